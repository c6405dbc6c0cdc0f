"""A tiny Streamlit script for the browser tests of messages: escaped payloads in every Markdown element, and a failing button.

Run by tests/browser/test_markdown_browser.py with `streamlit run` from the project root
(so `.streamlit/config.toml` applies); not a page of the app.
"""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lib.access.redaction import install_log_redaction
from lib.wording.markdown import escape_markdown
from tests.test_markdown import PAYLOADS

install_log_redaction()


def fail() -> None:
    """An error Streamlit itself catches (in a callback, outside the app's page boundary)."""
    raise RuntimeError("cannot open /srv/private/store.db through https://bob:hunter2@mlflow.example/")


st.button("Break", on_click=fail)
for i, payload in enumerate(PAYLOADS):
    shown = escape_markdown(payload)
    with st.container(key=f"payload_{i}"):
        st.markdown(f"- {shown} is in line with the average")
        st.caption(shown)
        st.error(f"The run “{shown}” could not be read.")
        st.metric(shown, "50%")
        st.toggle(f"Compare with the baseline “{shown}”", key=f"toggle_{i}")
        with st.expander(shown):
            st.write("inside")
