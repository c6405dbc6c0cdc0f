"""The Overview page as a person sees it in a real browser."""

from __future__ import annotations

import pytest

from lib.demo import DEMO_EXPERIMENT

pytestmark = pytest.mark.browser

APP_TIMEOUT_MS = 120_000


def test_overview_shows_headline_and_experiment(app_url: str, browser, tmp_path) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(app_url)
        headline = page.get_by_text("The model labels").first
        headline.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        # The page is complete once Streamlit's "running" indicator is gone.
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=APP_TIMEOUT_MS)

        text = headline.inner_text()
        assert "% of reviews correctly" in text
        assert "reviews)" in text

        sidebar = page.locator('[data-testid="stSidebar"]')
        # A selectbox shows its choice as the value of a combobox input, not as text.
        assert sidebar.get_by_role("combobox", name="Experiment").input_value() == DEMO_EXPERIMENT

        shot = tmp_path / "overview.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 50_000
    finally:
        page.close()
