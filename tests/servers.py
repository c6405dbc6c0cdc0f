"""Real processes for tests and benchmarks: free ports, the app server, Chromium. No pytest here.

Benchmarks run in the environment ``scripts/start.sh`` builds, which has no pytest, so these
helpers raise ordinary exceptions; fixtures turn them into test failures.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
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


def serve_app(settings: Settings, log: Path) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run app.py`` on a free loopback port over the store of ``settings``."""
    port = free_port()
    env = {
        **os.environ,
        "SENTIMENT_REVIEW_DATA_DIR": str(settings.data_dir),
        # Explicit, so a developer's .streamlit/secrets.toml cannot point the test elsewhere.
        "MLFLOW_TRACKING_URI": settings.tracking_uri,
        "SENTIMENT_REVIEW_ANNOTATIONS_DB_URL": settings.annotations_db_url,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    command = [sys.executable, "-m", "streamlit", "run", "app.py"]
    command += ["--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{base}/_stcore/health", process, log, START_TIMEOUT_S)
    except BaseException:
        stop_process_group(process)
        raise
    return process, base
