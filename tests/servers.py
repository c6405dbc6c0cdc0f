"""Real processes for tests and benchmarks: free ports, the app server, Chromium, PostgreSQL. No pytest here.

Benchmarks run in the environment ``scripts/start.sh`` builds, which has no pytest, so these
helpers raise ordinary exceptions; fixtures turn them into test failures.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lib.config import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
START_TIMEOUT_S = 60


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path, timeout_s: float) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it dies or times out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server exited with code {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout_s} s:\n{log.read_text()}")


def stop_process_group(process: subprocess.Popen, timeout_s: float = 15) -> None:
    """Terminate a process started with ``start_new_session=True`` and all its children."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def app_server_command(port: int, *options: str) -> list[str]:
    """The app's own launcher (``scripts/serve.py``, as ``scripts/start.sh`` runs it) on 127.0.0.1:``port``."""
    command = [sys.executable, str(PROJECT_ROOT / "scripts" / "serve.py")]
    return [*command, "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true", *options]


def serve_app(settings: Settings, log: Path) -> tuple[subprocess.Popen, str]:
    """Start the app (``scripts/serve.py``) on a free loopback port over the store of ``settings``."""
    port = free_port()
    env = {
        **os.environ,
        "SENTIMENT_REVIEW_DATA_DIR": str(settings.data_dir),
        # Explicit, so a developer's .streamlit/secrets.toml cannot point the test elsewhere.
        "MLFLOW_TRACKING_URI": settings.tracking_uri,
        "SENTIMENT_REVIEW_ANNOTATIONS_DB_URL": settings.annotations_db_url,
        "SENTIMENT_REVIEW_SEED_DEMO": "true" if settings.seed_demo else "false",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    command = app_server_command(port)
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{base}/_stcore/health", process, log, START_TIMEOUT_S)
    except BaseException:
        stop_process_group(process)
        raise
    return process, base


@contextmanager
def served_app(settings: Settings, log: Path) -> Iterator[str]:
    """The app served over the store of ``settings`` while the block runs (its base URL); stopped after."""
    process, base = serve_app(settings, log)
    try:
        yield base
    finally:
        stop_process_group(process)


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
