"""The app's pages, each declared once with the action a person needs to open it, and the menu.

Streamlit's automatic menu is switched off (``client.showSidebarNavigation = false`` in
``.streamlit/config.toml``): on a freshly started server it would list the files of
``pages/`` ("app, categories, …") until ``st.navigation`` takes over. The switch also hides
``st.navigation``'s own menu, so :func:`menu` draws the links with ``st.page_link``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from lib.access import rules
from lib.access.rules import User
from lib.stores.tracking import ExperimentSummary
from lib.wording import app_narrative
from ui import auth as app_auth


@dataclass(frozen=True)
class PageEntry:
    """One page: its file in ``pages/`` (also its url path), title, icon and the action it needs."""

    name: str
    title: str
    icon: str
    action: str = "view"
    default: bool = False


PAGES: tuple[PageEntry, ...] = (
    PageEntry("overview", "Overview", ":material/insights:", default=True),
    PageEntry("categories", "Categories", ":material/category:"),
    PageEntry("compare", "Compare runs", ":material/compare_arrows:"),
    PageEntry("mistakes", "Mistakes", ":material/rule:", action="annotate"),
    PageEntry("evaluate", "Evaluate a file", ":material/upload_file:", action="upload"),
    PageEntry("report", "Client report", ":material/description:", action="export"),
)
_BY_NAME = {entry.name: entry for entry in PAGES}


def declared_pages(user: User | None) -> list[st.Page]:
    """The pages to declare for ``user``: the ones their role may not use are left out.

    Before anyone signs in every page is declared (the sign-in gate stops the run before any
    page runs), so a link to a page still opens that page after signing in.
    """
    return [
        st.Page(f"pages/{entry.name}.py", title=entry.title, icon=entry.icon, default=entry.default)
        for entry in PAGES
        if user is None or rules.is_allowed(user, entry.action, None)
    ]


def menu(pages: list[st.Page]) -> None:
    """The page links in the sidebar."""
    for page in pages:
        st.sidebar.page_link(page)


def require_page(page_file: str, experiment: ExperimentSummary | None = None) -> None:
    """Stop the page (``__file__`` of a file in ``pages/``) unless the current user may open it for ``experiment``.

    A role without the page's action never gets the page declared; this also holds for a
    link that names an experiment the person may see but not act on.
    """
    entry = _BY_NAME[Path(page_file).stem]
    if not app_auth.allowed(entry.action, experiment):
        st.info(app_narrative.LINK_NOT_AVAILABLE, icon="🔒")
        st.stop()
