"""Shared fixtures: one real MLflow store seeded with the demo, built once per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime import pages_manager

from lib.config import Settings, load_settings
from lib.stores.demo import seed_demo
from lib.stores.tracking import TrackingStore

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def settings_for(data_dir: Path, **extra: str) -> Settings:
    """Settings of an embedded store in ``data_dir`` (no secrets file involved)."""
    env = {"SENTIMENT_REVIEW_DATA_DIR": str(data_dir), **extra}
    return load_settings(env, secrets_file=data_dir / "no-secrets.toml")


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a temporary embedded store holding the seeded demo experiment."""
    settings = settings_for(tmp_path_factory.mktemp("demo_store"))
    seed_demo(settings, TrackingStore(settings.tracking_uri))
    return settings


@pytest.fixture(scope="session")
def demo_store(demo_settings: Settings) -> TrackingStore:
    """A tracking store facade over the seeded demo store."""
    return TrackingStore(demo_settings.tracking_uri)


@pytest.fixture
def app_env(demo_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the app (run in-process by AppTest) at the seeded demo store."""
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(demo_settings.data_dir))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return demo_settings


os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")

_REAL_MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def _main_module_restored() -> None:
    """Put pytest's own __main__ back after each test.

    AppTest, like the Streamlit server, installs the script it runs as ``sys.modules["__main__"]``
    and leaves it there; process pools started by later tests (spawn) would re-import it.
    """
    yield
    sys.modules["__main__"] = _REAL_MAIN


class _NavigationPagesManager(pages_manager.PagesManager):
    """PagesManager that keeps st.navigation mode across AppTest runs.

    AppTest (Streamlit 1.67) resets ``uses_pages_directory`` before every run; with a
    ``pages/`` folder beside app.py, every run after the first then executes the page file
    alone (multipage v1), skipping app.py and its sidebar. A real server never does that.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        pages_manager.PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def _apptest_keeps_navigation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_test_module, "PagesManager", _NavigationPagesManager)
