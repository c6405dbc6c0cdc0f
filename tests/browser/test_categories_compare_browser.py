"""The Categories and Compare pages as a person sees them in a real browser, with screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

APP_TIMEOUT_MS = 120_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def open_and_wait(browser, url: str, texts: list[str], selectors: list[str]):
    """A new page at ``url`` once every text and every element the page ends with is visible."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(url)
    for text in texts:
        page.get_by_text(text).first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    # Streamlit's "running" indicator appears late or not at all for quick reruns, so wait
    # for what the page draws last instead.
    for selector in selectors:
        page.locator(selector).first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    return page


def assert_screenshot(page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 50_000  # a drawn page, not a blank one


def assert_no_traceback(page) -> None:
    body = page.locator("body").inner_text()
    assert "Traceback" not in body
    assert page.locator('[data-testid="stException"]').count() == 0


def test_categories_page_shows_chart_callouts_and_table(app_url: str, browser, tmp_path: Path) -> None:
    page = open_and_wait(
        browser,
        f"{app_url}/categories",
        ["Where is the model weak?", "Gap between the best and the worst category"],
        ['[data-testid="stVegaLiteChart"]', '[data-testid="stDataFrame"]'],
    )
    try:
        assert page.get_by_text("than all reviews together").first.is_visible()
        assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1
        assert page.locator('[data-testid="stDataFrame"]').count() >= 1
        assert_no_traceback(page)
        assert_screenshot(page, tmp_path / "categories.png")
    finally:
        page.close()


def test_compare_page_shows_verdict_and_fixed_broken_tabs(app_url: str, browser, tmp_path: Path) -> None:
    page = open_and_wait(
        browser,
        f"{app_url}/compare",
        ["Is the new version better?", "and the difference is real"],
        ['[data-testid="stVegaLiteChart"]', '[data-testid="stTab"]'],
    )
    try:
        assert page.get_by_role("tab", name="Fixed (").count() == 1
        assert page.get_by_role("tab", name="Newly broken (").count() == 1
        assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1
        assert_no_traceback(page)
        assert_screenshot(page, tmp_path / "compare.png")
    finally:
        page.close()
