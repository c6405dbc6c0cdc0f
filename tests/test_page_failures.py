"""Nothing leaks through messages: unexpected errors show an id (details in the log), URIs never show credentials."""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterator

import pytest
from streamlit.config import ShowErrorDetailsConfigOptions
from streamlit.testing.v1 import AppTest

from lib.wording import overview_narrative
from tests.conftest import PROJECT_ROOT
from tests.helpers import open_app

SECRET = "hunter2"


@pytest.fixture(autouse=True)
def _restore_log_record_factory() -> Iterator[None]:
    """app.py installs log redaction process-wide; put the previous factory back after each test."""
    before = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(before)


def everything_shown(at: AppTest) -> str:
    """Every text element, alert, label and option the user can read, main area and sidebar."""
    parts: list[object] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader", "exception"):
        parts += [element.value for element in getattr(at, kind)]
    for kind in ("selectbox", "multiselect", "radio", "toggle", "button", "text_input"):
        for widget in getattr(at, kind):
            parts += [widget.label, *getattr(widget, "options", [])]
    return "\n".join(map(str, parts))


def test_users_never_get_tracebacks_from_streamlit() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == ShowErrorDetailsConfigOptions.NONE


def test_an_unexpected_error_shows_an_id_and_logs_the_traceback(
    app_env, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_headline(report):
        raise RuntimeError(f"cannot open /srv/private/store.db through https://bob:{SECRET}@mlflow.example/")

    monkeypatch.setattr(overview_narrative, "headline", broken_headline)
    at = open_app()
    assert not at.exception, "the error must not reach Streamlit's own error box"
    shown = everything_shown(at)
    assert "/srv/private" not in shown and SECRET not in shown and "Traceback" not in shown and "RuntimeError" not in shown
    [message] = [e.value for e in at.error]
    error_id = re.search(r"reference \*\*([0-9A-F]{8})\*\*", message).group(1)
    [record] = [r for r in caplog.records if r.name == "sentiment_review" and error_id in r.getMessage()]
    assert record.levelno == logging.ERROR
    details = caplog.text
    assert "Traceback" in details and "broken_headline" in details and "/srv/private/store.db" in details
    assert SECRET not in details and "https://***@mlflow.example/" in details
    # The sidebar and the rest of the app were drawn: only the page's own part is replaced.
    assert [s.label for s in at.sidebar.selectbox][:1] == ["Experiment"]


def test_an_unreachable_tracking_uri_never_shows_its_credentials(
    app_env, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://bob:{SECRET}@127.0.0.1:9/")
    caplog.set_level(logging.DEBUG)
    at = open_app()
    assert not at.exception
    shown = everything_shown(at)
    assert "cannot be read right now" in shown
    assert "127\\.0\\.0\\.1" in shown and SECRET not in shown and "bob" not in shown
    assert SECRET not in caplog.text
