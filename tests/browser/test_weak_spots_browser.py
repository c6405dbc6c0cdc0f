"""Weak spots in Chromium: open a weak spot and land on the Mistakes page filtered to it."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

APP_TIMEOUT_MS = 180_000


def settle(page) -> None:
    """Wait until Streamlit has finished running the page's script."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=APP_TIMEOUT_MS)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=APP_TIMEOUT_MS)


def test_a_weak_spot_opens_the_mistakes_page_filtered_to_it(app_url: str, browser, tmp_path) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{app_url}/weak_spots")
        page.get_by_text("Weak spots found automatically").wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        settle(page)
        page.screenshot(path=str(tmp_path / "weak_spots.png"), full_page=True)
        sentence = page.locator('[data-testid="stMarkdownContainer"] p', has_text=re.compile(r"right \(95% interval")).first
        sentence.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        group = sentence.locator("strong").inner_text()
        assert re.search(r"from [\d,]+ reviews\.", sentence.inner_text())

        page.get_by_role("link", name="See these mistakes").first.click()
        page.wait_for_url(re.compile(r"/mistakes\?.*weak_spot="), timeout=APP_TIMEOUT_MS)
        note = page.get_by_text("Showing only the mistakes among:")
        note.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        settle(page)
        assert group in note.inner_text()
        counted = page.get_by_text(re.compile(r"[\d,]+ of [\d,]+ mistakes match the filters")).inner_text()
        shown, total = (int(n.replace(",", "")) for n in re.findall(r"[\d,]+", counted)[:2])
        assert 0 < shown < total
        page.screenshot(path=str(tmp_path / "mistakes_filtered.png"), full_page=True)
    finally:
        page.close()
