"""The first screen of a freshly started server: never Streamlit's file-name menu; deep links keep the sidebar."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lib.config import Settings
from tests.helpers import settle, wait_for_text
from tests.private_store import private_copy
from tests.servers import PROJECT_ROOT, served_app

pytestmark = pytest.mark.browser

FILE_NAMES = {"app", *(path.stem for path in (PROJECT_ROOT / "pages").glob("*.py"))}
# Every link text and every Streamlit menu the page ever draws, recorded from the first paint on.
RECORD_LINKS = """
window.__links = new Set();
window.__streamlitMenu = false;
new MutationObserver(() => {
  document.querySelectorAll('a').forEach(a => window.__links.add(a.innerText.trim()));
  if (document.querySelector('[data-testid="stSidebarNav"]')) window.__streamlitMenu = true;
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


@pytest.fixture
def fresh_server(browser_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server started for this test alone, so its first request is the first of the process."""
    folder = tmp_path_factory.mktemp("fresh")
    with served_app(private_copy(browser_settings, folder / "store"), folder / "server.log") as base:
        yield base


def links_seen(page) -> set[str]:
    return set(page.evaluate("Array.from(window.__links)"))


def test_the_first_screen_never_shows_file_name_links(browser, fresh_server: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(RECORD_LINKS)
    page.goto(fresh_server)
    wait_for_text(page, "How good is the model?")
    assert not page.evaluate("window.__streamlitMenu")
    assert not links_seen(page) & FILE_NAMES, links_seen(page)
    sidebar = page.get_by_test_id("stSidebar")
    assert all(sidebar.locator("a", has_text=title).count() == 1 for title in ("Overview", "Categories", "Mistakes"))
    page.close()


def test_a_deep_link_on_a_fresh_server_opens_the_page_with_the_sidebar(browser, fresh_server: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(RECORD_LINKS)
    page.goto(f"{fresh_server}/categories")
    wait_for_text(page, "Where is the model weak?")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Experiment").first.wait_for()
    assert sidebar.locator("a", has_text="Compare runs").count() == 1
    assert not page.evaluate("window.__streamlitMenu")
    assert not links_seen(page) & FILE_NAMES, links_seen(page)
    sidebar.locator("a", has_text="Compare runs").click()
    settle(page)
    page.get_by_text("Is the new version better?").first.wait_for()
    page.close()
