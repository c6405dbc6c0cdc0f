"""A real, throwaway PostgreSQL server from Debian's packages, for tests and benchmarks.

``PostgresServer`` runs ``initdb`` + ``pg_ctl start`` in a temporary folder on a free port of
127.0.0.1 (as user ``postgres`` when running as root, since PostgreSQL refuses to run as
root) and stops it afterwards. The ``postgres_server`` fixture starts one per test session;
``postgres_url`` gives each test a fresh, empty database on it.

Without PostgreSQL binaries (``apt-get install -y postgresql``) the fixture skips the tests
with a loud reason, except in CI (env ``CI`` set), where it fails.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port

INSTALL_HINT = "install it with `apt-get install -y postgresql` (scripts/test.sh does this)"


def postgres_bin_dir() -> Path | None:
    """Folder of the newest PostgreSQL server binaries on this machine, or None."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: _version_key(p.parent.parent.name))
    if candidates:
        return candidates[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and (Path(on_path).parent / "initdb").exists() else None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only."""

    def __init__(self, bin_dir: Path, *, settings: dict[str, str] | None = None) -> None:
        self.bin_dir = bin_dir
        self.settings = settings or {}
        self.port = 0
        self.dir: Path | None = None
        self._as_postgres = os.geteuid() == 0  # root may not run PostgreSQL; user postgres may

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> PostgresServer:
        # Not pytest's tmp_path: its parents are private to root, and user postgres must get in.
        self.dir = Path(tempfile.mkdtemp(prefix="sentiment-review-pg-"))
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        data = str(self.dir / "data")
        done = self._run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C")
        if done.returncode != 0:
            self.stop()
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        for _attempt in range(3):  # another process may grab the free port first
            self.port = free_port()
            done = self._pg_ctl_start()
            if done.returncode == 0:
                return self
        self._fail_to_start(done)

    def _pg_ctl_start(self) -> subprocess.CompletedProcess:
        options = " ".join(f"-c {key}={value}" for key, value in self.settings.items())
        server_options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} {options}"
        return self._run(
            "pg_ctl", "-D", str(self.dir / "data"), "-o", server_options, "-l", str(self.dir / "log"), "-w", "-t", "60", "start"
        )

    def _fail_to_start(self, done: subprocess.CompletedProcess) -> None:
        log = (self.dir / "log").read_text(errors="replace") if (self.dir / "log").exists() else ""
        self.stop()
        raise RuntimeError(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{log}")

    def halt(self) -> None:
        """Stop the server as an outage would, keeping its data for ``resume``."""
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """Start a halted server again on the same port, with the same data."""
        done = self._pg_ctl_start()
        if done.returncode != 0:
            self._fail_to_start(done)

    def stop(self) -> None:
        if self.dir is None:
            return
        if (self.dir / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of one database on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (a random name unless given); returns its URL."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole test session (skips loudly without binaries; fails in CI)."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        reason = f"NO POSTGRESQL SERVER BINARIES FOUND (/usr/lib/postgresql/*/bin): PostgreSQL tests not run; {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(reason + ". CI must run them.", pytrace=False)
        pytest.skip(reason)
    # Tests need no crash safety: skipping fsync keeps database creation fast.
    with PostgresServer(bin_dir, settings={"fsync": "off", "full_page_writes": "off"}) as server:
        server.create_database("annotations")
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """URL of a fresh, empty database on the session's server, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url.rsplit("/", 1)[1])
