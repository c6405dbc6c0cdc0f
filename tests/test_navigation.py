"""ui/navigation.py: every page declared once, with the action it needs, and checked by the page itself."""

from __future__ import annotations

import tomllib

from tests.conftest import PROJECT_ROOT
from ui.navigation import PAGES

PAGE_FILES = {path.stem: path for path in (PROJECT_ROOT / "pages").glob("*.py")}


def test_every_page_file_is_declared_exactly_once() -> None:
    names = [entry.name for entry in PAGES]
    assert sorted(names) == sorted(PAGE_FILES)
    assert [entry.name for entry in PAGES if entry.default] == ["overview"]


def test_pages_that_need_more_than_viewing_check_their_own_declared_action() -> None:
    restricted = {entry.name: entry.action for entry in PAGES if entry.action != "view"}
    assert restricted == {"mistakes": "annotate", "check": "annotate", "stress_test": "upload", "evaluate": "upload", "report": "export"}
    for name in restricted:
        source = PAGE_FILES[name].read_text()
        assert "navigation.require_page(__file__" in source, name
        assert "auth.require(" not in source, name  # the action is declared in one place only


def test_streamlits_file_name_menu_is_switched_off() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showSidebarNavigation"] is False
