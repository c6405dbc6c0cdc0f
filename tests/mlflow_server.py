"""A real `mlflow server` on 127.0.0.1 (SQLite backend, proxied artifacts), for tests.

``MlflowServer(root).start()`` serves the store in ``root`` on a free port and waits for
``/health``; ``stop()`` kills its process group; ``start()`` again serves the same store on
the same port, as a restarted server would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.servers import free_port, stop_process_group, wait_until_healthy

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
        try:
            wait_until_healthy(f"{self.url}/health", self._process, log, START_TIMEOUT_S)
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every process of the server (its data stays)."""
        process, self._process = self._process, None
        if process is not None:
            stop_process_group(process, timeout_s=20)

    def __enter__(self) -> MlflowServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
