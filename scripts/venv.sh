# Sourced by scripts/start.sh and scripts/test.sh: make .venv (Python 3.11) and install a
# requirements file into it, skipping pip when a stamp shows the file has not changed.
# Expects the working directory to be the project root.

PYTHON="${PYTHON:-python3.11}"
VENV=.venv

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
      echo "Python 3.11 is needed (looked for '$PYTHON'). Install it, or set PYTHON=/path/to/python3.11." >&2
      exit 1
    fi
    echo "Creating $VENV with $("$PYTHON" --version)…"
    "$PYTHON" -m venv "$VENV"
  fi
  if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "$VENV is not a Python 3.11 environment: remove it and run this again." >&2
    exit 1
  fi
}

_stamp() { echo "$VENV/.installed-$1.sha256"; }
# The file's contents plus those of requirements.txt, which the dev file includes.
_fingerprint() { cat "$1" requirements.txt | sha256sum | cut -d' ' -f1; }

# install_requirements FILE: pip-install FILE unless its stamp shows it is installed as it is.
install_requirements() {
  local file="$1"
  if [ -f "$(_stamp "$file")" ] && [ "$(cat "$(_stamp "$file")")" = "$(_fingerprint "$file")" ]; then
    return 0
  fi
  echo "Installing $file into $VENV (about a minute the first time)…"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$file"
  _fingerprint "$file" >"$(_stamp "$file")"
  if [ "$file" != requirements.txt ]; then
    # The dev file includes requirements.txt, so the runtime set is installed as well.
    _fingerprint requirements.txt >"$(_stamp requirements.txt)"
  fi
}
