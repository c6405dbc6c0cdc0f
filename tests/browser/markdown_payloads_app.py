"""A tiny Streamlit script for the browser test of escape_markdown: every payload, escaped, in every Markdown element.

Run by tests/browser/test_markdown_browser.py with `streamlit run`; not a page of the app.
"""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lib.markdown import escape_markdown
from tests.test_markdown import PAYLOADS

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
