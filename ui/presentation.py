"""Presentation mode: for a shared screen in a meeting with people who are not technical.

A sidebar toggle. While it is on, type is larger, technical identifiers (run ids, model
and tracking URIs, logged metric names) are left out, and every figure gets a one-line
explanation underneath. Pages ask :func:`presenting`, or draw through the helpers here.
"""

from __future__ import annotations

import streamlit as st

PRESENTING_KEY = "presentation_mode"

# Streamlit sizes everything in rem, so a larger root font enlarges the whole page evenly;
# headings, figures and paragraphs get a little more on top. The toolbar goes: nothing in
# it is for the audience.
_CSS = """
<style>
html { font-size: 18px; }
[data-testid="stMainBlockContainer"] { max-width: 1500px; padding-top: 2.5rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2.6rem; }
[data-testid="stMainBlockContainer"] h4 { font-size: 1.55rem; line-height: 1.35; }
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; line-height: 1.6; }
[data-testid="stMainBlockContainer"] [data-testid="stMetricValue"] p { font-size: 2.9rem; line-height: 1.15; font-weight: 600; }
[data-testid="stMainBlockContainer"] [data-testid="stMetricLabel"] p { font-size: 1.05rem; font-weight: 600; }
[data-testid="stMainBlockContainer"] [data-testid="stMetricDelta"] p { font-size: 0.95rem; }
/* Whole labels and changes, wrapped, rather than cut off with an ellipsis. */
[data-testid="stMetricLabel"] *, [data-testid="stMetricDelta"] * { white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] { font-size: 0.95rem; }
[data-testid="stToolbar"], [data-testid="stDecoration"] { display: none; }
</style>
"""


def presenting() -> bool:
    """True while presentation mode is on in this browser session."""
    return bool(st.session_state.get(PRESENTING_KEY, False))


def toggle() -> None:
    """The sidebar switch; injects the larger type while it is on."""
    st.sidebar.divider()
    st.sidebar.toggle(
        "Presentation mode",
        key=PRESENTING_KEY,
        help="For a shared screen: larger type, a plain explanation under each figure, no technical identifiers.",
    )
    if presenting():
        st.html(_CSS)


def technical_caption(text: str) -> None:
    """A caption with technical details (ids, URIs), left out while presenting."""
    if text and not presenting():
        st.caption(text)


def glossary(text: str) -> None:
    """A one-line explanation of a figure, shown only while presenting."""
    if text and presenting():
        st.caption(text)
