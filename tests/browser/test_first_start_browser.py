"""First start on an empty store: the demo is built by the server, whoever watches or leaves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lib.config import Settings, load_settings
from lib.stores.demo import is_seeded
from lib.stores.tracking import TrackingStore
from tests.servers import served_app

pytestmark = pytest.mark.browser

PROGRESS = '[data-testid="stProgress"] [role="progressbar"]'
SEEDING_TIMEOUT_MS = 240_000


def _share(page) -> float:
    """The demo seeding's progress as the bar shows it (0-100)."""
    return float(page.locator(PROGRESS).first.get_attribute("aria-valuenow") or 0)


def test_leaving_the_page_during_the_first_start_does_not_restart_the_demo(browser, tmp_path: Path) -> None:
    """A visitor who reloads mid-way finds the seeding where it was (it used to run in their session and start over)."""
    settings: Settings = load_settings({"SENTIMENT_REVIEW_DATA_DIR": str(tmp_path / "data")}, secrets_file=tmp_path / "none.toml")
    with served_app(settings, tmp_path / "server.log") as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base)
        page.get_by_text(re.compile("Training the 3 demo models|Evaluating and logging")).first.wait_for(timeout=SEEDING_TIMEOUT_MS)
        before = _share(page)
        page.reload()
        page.locator(PROGRESS).first.wait_for(timeout=30_000)
        assert _share(page) >= before > 0
        other = browser.new_page(viewport={"width": 1280, "height": 900})  # a second visitor watches the same seeding
        other.goto(base)
        for visitor in (page, other):
            visitor.get_by_text("How good is the model?").first.wait_for(timeout=SEEDING_TIMEOUT_MS)
        assert is_seeded(TrackingStore(settings.tracking_uri))
        assert "Traceback" not in (tmp_path / "server.log").read_text()
