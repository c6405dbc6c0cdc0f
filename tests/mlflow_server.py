"""A real `mlflow server` on 127.0.0.1 (SQLite backend, proxied artifacts), for tests.

``MlflowServer(root).start()`` serves the store in ``root`` on a free port and waits for
``/health``; ``stop()`` kills its process group; ``start()`` again serves the same store on
the same port, as a restarted server would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.postgres import free_port

START_TIMEOUT_S = 90


class MlflowServer:
    """One `mlflow server` process group over a store folder; stopped and started at will."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None

    def start(self) -> MlflowServer:
        """Serve the store and wait until it answers ``/health`` (raises RuntimeError if it does not)."""
        self.root.mkdir(parents=True, exist_ok=True)
        log = self.root / "server.log"
        command = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{self.root / 'mlflow.db'}"]
        command += ["--artifacts-destination", str(self.root / "artifacts"), "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", "1"]
        with log.open("ab") as out:
            self._process = subprocess.Popen(command, cwd=self.root, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._healthy():
            if self._process.poll() is not None:
                raise RuntimeError(f"mlflow server exited with code {self._process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mlflow server did not answer /health within {START_TIMEOUT_S} s:\n{log.read_text()}")
            time.sleep(0.5)
        return self

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        """Stop every process of the server (its data stays)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def __enter__(self) -> MlflowServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
