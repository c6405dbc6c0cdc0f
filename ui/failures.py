"""The app's outer boundary: an unexpected error is logged in full with an id; the user sees a plain message quoting it.

``client.showErrorDetails = "none"`` (``.streamlit/config.toml``) already keeps Streamlit
from sending tracebacks and file paths to the browser; this boundary adds the id the
user can quote and a message in the app's own words. Streamlit's control flow
(``st.stop``, ``st.rerun``, ``st.switch_page``) raises ``BaseException`` subclasses and
passes through untouched.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from lib.errors import UserFacingError
from lib.wording import app_narrative
from ui.components import show_user_error

LOGGER = logging.getLogger("sentiment_review")
if not LOGGER.handlers and not logging.getLogger().handlers:
    # Streamlit configures only its own loggers; without this the details would go to
    # logging's last-resort handler, without a time.
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    LOGGER.addHandler(_handler)


def logged_with_id(error: BaseException, doing: str) -> str:
    """Log ``error`` with its traceback under a new short id (returned) that the user can quote."""
    error_id = secrets.token_hex(4).upper()
    LOGGER.error("Error %s while %s", error_id, doing, exc_info=error)
    return error_id


@contextmanager
def page_boundary() -> Iterator[None]:
    """Show a problem the user can act on plainly, and any other error as a message with an id (details in the log)."""
    try:
        yield
    except UserFacingError as error:
        show_user_error(error)
    except Exception as error:
        st.error(app_narrative.unexpected_error(logged_with_id(error, "drawing a page")), icon="⚠️")
