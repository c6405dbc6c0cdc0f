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
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] { font-size: 0.95rem; }
[data-testid="stToolbar"], [data-testid="stDecoration"] { display: none; }
</style>
"""

# Always: a metric card's label and change wrap rather than end in an ellipsis ("vs basel…").
_WHOLE_METRICS_CSS = """
<style>
[data-testid="stMetricLabel"] *, [data-testid="stMetricDelta"] *, [data-testid="stMetricDeltaDescription"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
/* The change's description on a line of its own under the change, so every card is as tall. */
div:has(> [data-testid="stMetricDelta"]) { flex-wrap: wrap; row-gap: 0.2rem; }
[data-testid="stMetricDeltaDescription"] { flex-basis: 100%; margin-left: 0 !important; }
</style>
"""


def presenting() -> bool:
    """True while presentation mode is on in this browser session."""
    return bool(st.session_state.get(PRESENTING_KEY, False))


def toggle() -> None:
    """The sidebar switch; injects the larger type while it is on (whole metric labels always)."""
    st.sidebar.divider()
    st.sidebar.toggle(
        "Presentation mode",
        key=PRESENTING_KEY,
        help="For a shared screen: larger type, a plain explanation under each figure, no technical identifiers.",
    )
    st.html(_WHOLE_METRICS_CSS)
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
