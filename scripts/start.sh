#!/usr/bin/env bash
# Install (first time only) and start Sentiment Review.
#
#   bash scripts/start.sh                         # http://127.0.0.1:8501
#   bash scripts/start.sh --server.port 8600      # extra arguments go to `streamlit run`
#   STREAMLIT_SERVER_ADDRESS=0.0.0.0 bash scripts/start.sh
#
# On the first start the app builds its demo experiment (about 30 seconds).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/venv.sh
source scripts/venv.sh

ensure_venv
install_requirements requirements.txt

# Streamlit reads these itself; command-line flags (passed through below) override them.
export STREAMLIT_SERVER_ADDRESS="${STREAMLIT_SERVER_ADDRESS:-127.0.0.1}"
export STREAMLIT_SERVER_PORT="${STREAMLIT_SERVER_PORT:-8501}"
exec "$VENV/bin/python" scripts/serve.py "$@"
