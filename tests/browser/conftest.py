"""Browser fixtures: one real app server (`scripts/serve.py`, as `scripts/start.sh` runs it) and one headless Chromium per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lib.config import Settings
from tests.private_store import private_copy
from tests.servers import CHROMIUM, CHROMIUM_ARGS, served_app


@pytest.fixture(scope="session")
def browser_settings(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A private copy of the demo store (with its own annotations), so browser tests may write to it."""
    return private_copy(demo_settings, tmp_path_factory.mktemp("browser_store"))


@pytest.fixture(scope="session")
def app_url(browser_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app served by a real Streamlit server over a copy of the seeded demo store."""
    with served_app(browser_settings, tmp_path_factory.mktemp("streamlit") / "server.log") as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
