"""Helpers shared by the page tests (AppTest) and the browser tests (Playwright).

Page tests: :func:`app_test`, :func:`open_app` and :func:`open_page` open the app as a fresh
browser session following a link would; :func:`page_text` is what a reader sees;
:func:`by_label` finds a widget. Browser tests: :func:`settle` and :func:`wait_until` wait for
a condition, never a fixed time. Servers and free ports are in ``tests/servers.py``.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
APP_TIMEOUT_S = 120
BROWSER_TIMEOUT_MS = 120_000
TEXT_KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")


# ---- page tests (AppTest) ----------------------------------------------------------------


def app_test(secrets: dict | None = None, **query: str) -> AppTest:
    """The app, not yet run, with ``secrets`` and the link's query parameters."""
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)
    if secrets:
        at.secrets.update(secrets)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def open_app(secrets: dict | None = None, **query: str) -> AppTest:
    """Run the app once, as a fresh browser session would."""
    return app_test(secrets, **query).run()


def open_page(page: str, secrets: dict | None = None, **query: str) -> AppTest:
    """Open ``page`` (e.g. "pages/mistakes.py") as a fresh browser session following a link would; no uncaught exception."""
    at = open_app(secrets, **query).switch_page(page).run()
    assert not at.exception, at.exception
    return at


def unescaped(text: str) -> str:
    """Markdown as a reader sees it: escapes and invisible word joiners removed."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


def page_text(at: AppTest, kinds: Iterable[str] = TEXT_KINDS) -> str:
    """Every text element of ``kinds`` on the page (main area and sidebar), as a reader sees it."""
    return unescaped("\n".join(str(element.value) for kind in kinds for element in at.get(kind)))


def numbers(pattern: str, text: str) -> tuple[int, ...]:
    """The whole numbers ``pattern`` captures in ``text`` (thousands separators allowed)."""
    found = re.search(pattern, text)
    assert found, f"{pattern!r} is not in the page"
    return tuple(int(group.replace(",", "")) for group in found.groups())


def by_label(elements: Iterable[Any], label: str) -> Any:
    """The widget of ``elements`` with this label."""
    return next(element for element in elements if element.label == label)


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    """Run the app and sign in with a username and password."""
    at.run()
    by_label(at.text_input, "Username").input(username)
    by_label(at.text_input, "Password").input(password)
    return by_label(at.button, "Sign in").click().run()


def start_annotating(at: AppTest, name: str) -> AppTest:
    """Type the annotator name the app asks for when nobody signs in."""
    by_label(at.text_input, "Your name, shown next to your annotations").input(name)
    return by_label(at.button, "Start annotating").click().run()


# ---- browser tests (Playwright) ------------------------------------------------------------


def wait_until(condition: Callable[[], bool], timeout_s: float = 30.0, what: str = "the page did not settle in time") -> None:
    """Poll ``condition`` until it is true; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(what)
        time.sleep(0.1)


def settle(page: Any, timeout_ms: int = BROWSER_TIMEOUT_MS) -> None:
    """Wait until the script run the last action started (if any starts within 2 s) has finished."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    app = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
    with contextlib.suppress(PlaywrightTimeout):  # a quick rerun may be over before we look
        page.locator(f'{app}:not([data-test-script-state="notRunning"])').wait_for(state="attached", timeout=2_000)
    page.locator(f'{app}[data-test-script-state="notRunning"]').wait_for(state="attached", timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)


def wait_for_text(page: Any, text: str, timeout_ms: int = BROWSER_TIMEOUT_MS) -> None:
    """Wait until ``text`` is shown and the script run that drew it has finished."""
    page.get_by_text(text).first.wait_for(timeout=timeout_ms)
    settle(page, timeout_ms)
