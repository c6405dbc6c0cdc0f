"""The Overview page as a person sees it in a real browser."""

from __future__ import annotations

import pytest

from lib.stores.demo import DEMO_EXPERIMENT

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


def test_a_page_load_asks_nothing_of_other_hosts(app_url: str, browser) -> None:
    """The favicon ships with the app: no font or icon CDN on a machine without internet."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(app_url) or request.url.startswith("data:") else elsewhere.append(request.url),
    )
    try:
        page.goto(app_url)
        page.get_by_text("The model labels").first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=APP_TIMEOUT_MS)
        icon = page.locator('link[rel="shortcut icon"], link[rel="icon"]').first.get_attribute("href")
        assert icon is not None and (icon.startswith(app_url) or "://" not in icon)
        assert elsewhere == []
    finally:
        page.close()


def test_metric_cards_show_whole_labels_and_changes_on_a_laptop_screen(app_url: str, browser) -> None:
    """Five cards side by side at 1280 px: no label, change or "vs baseline" ends in an ellipsis."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(app_url)
        page.locator('[data-testid="stMetricDeltaDescription"]').first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=APP_TIMEOUT_MS)
        # Streamlit cuts these off in the text's own box (overflow hidden, text-overflow ellipsis).
        parts = ", ".join(
            f'[data-testid="{part}"] .stMarkdownEllipsis' for part in ("stMetricLabel", "stMetricDelta", "stMetricDeltaDescription")
        )
        widths = page.locator(parts).evaluate_all("boxes => boxes.map(box => [box.innerText, box.scrollWidth, box.clientWidth])")
        assert len(widths) == 15  # five cards: label, change, "vs baseline"
        assert [text for text, needed, shown in widths if needed > shown] == []
    finally:
        page.close()
