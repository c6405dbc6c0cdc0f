"""A private copy of the seeded demo store, for tests that log runs or create experiments.

Other tests count the demo experiment's runs and expect it to be the newest experiment;
runs logged into the shared session store would change what they see. Copying the
SQLite file takes milliseconds; the copy's registered models still point at the shared
store's artifacts, which these tests only read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from lib.config import Settings
from tests.conftest import settings_for


def private_copy(demo_settings: Settings, data_dir: Path) -> Settings:
    """Settings of a new embedded store in ``data_dir`` holding a copy of the demo store's database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for database in demo_settings.data_dir.glob("mlflow.db*"):
        shutil.copy2(database, data_dir / database.name)
    return settings_for(data_dir)
