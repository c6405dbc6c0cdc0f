#!/usr/bin/env bash
# Install what the tests need and run them all: lint, format check, then pytest.
#
#   bash scripts/test.sh                    # everything
#   bash scripts/test.sh -m "not browser"   # extra arguments go to pytest
#
# Debian packages: chromium (browser tests drive /usr/bin/chromium; Playwright never
# downloads a browser here) and postgresql (tests of the annotations store on PostgreSQL).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/venv.sh
source scripts/venv.sh

DEBIAN_PACKAGES=(chromium postgresql)

install_debian_packages() {
  local missing=() package
  for package in "${DEBIAN_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
  fi
  echo "Installing Debian packages: ${missing[*]}…"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

install_debian_packages
ensure_venv
install_requirements requirements-dev.txt

# Run every step, then fail if any failed, so one report shows all problems.
failed=()
echo "== ruff check"
"$VENV/bin/ruff" check . || failed+=("ruff check")
echo "== ruff format --check"
"$VENV/bin/ruff" format --check . || failed+=("ruff format (run: .venv/bin/ruff format .)")
echo "== pytest"
status=0
"$VENV/bin/python" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  failed+=("pytest collected no tests")
elif [ "$status" -ne 0 ]; then
  failed+=("pytest (exit $status)")
fi

if [ ${#failed[@]} -ne 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
# Nothing printed after pytest on success: its summary line stays the last line of the log.
