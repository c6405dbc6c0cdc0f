"""The sign-in command-line tool: ``python -m lib.access.auth hash-password`` makes a password hash for the
secrets file, ``python -m lib.access.auth check FILE`` validates a secrets file.

The rules live in :mod:`lib.access.rules`, the settings in :mod:`lib.access.settings`, signing in in
:mod:`lib.access.sign_in`.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from lib.access.settings import load_access
from lib.access.sign_in import hash_password
from lib.config import SECRETS_FILE, ConfigError, read_secrets_file
from lib.wording.counts import counted

_USAGE = """usage: python -m lib.access.auth hash-password   print an argon2 hash of a password typed twice (or one line on stdin)
       python -m lib.access.auth check [FILE]    validate the sign-in settings of a secrets file (default .streamlit/secrets.toml)"""


def main(argv: list[str] | None = None) -> int:
    """``hash-password`` or ``check``; returns the exit code."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["hash-password"]:
        if sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if getpass.getpass("Again: ") != password:
                print("The two passwords differ.", file=sys.stderr)
                return 1
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            print("An empty password cannot be used.", file=sys.stderr)
            return 1
        print(hash_password(password))
        return 0
    if args[:1] == ["check"]:
        path = Path(args[1]) if len(args) > 1 else SECRETS_FILE
        try:
            config = load_access(read_secrets_file(path))
        except ConfigError as error:
            print(error.message, file=sys.stderr)
            return 1
        if config.is_local:
            print(f"{path}: no sign-in configured; the app runs as a single local admin.")
        else:
            print(
                f"{path}: {counted(len(config.users), 'password user')}, {counted(len(config.oidc_rules), 'OIDC rule')}, "
                f"providers: {', '.join(config.oidc_providers) or 'none'}."
            )
        return 0
    print(_USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
