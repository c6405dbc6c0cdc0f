"""Small reusable widgets: user-facing errors and KPI cards."""

from __future__ import annotations

import streamlit as st

from lib import narrative
from lib.errors import UserFacingError
from lib.metrics import Estimate


def show_user_error(error: UserFacingError) -> None:
    """Show a problem the user can act on, plainly, never as a traceback."""
    st.error(f"{error.message}\n\n{error.hint}" if error.hint else error.message, icon="⚠️")


def kpi_card(title: str, estimate: Estimate, baseline: Estimate | None, explanation: str) -> None:
    """A metric card: value, change against the baseline, interval and n underneath."""
    with st.container(border=True):
        st.metric(
            title,
            narrative.percent(estimate.value),
            delta=narrative.change_against(estimate, baseline),
            help=f"{explanation} {narrative.METRIC_EXPLANATIONS['interval']}",
        )
        st.caption(f"{narrative.interval(estimate)} · based on {narrative.reviews(estimate.n)}")
