"""The Mistakes page's "Likely label errors" tab: reviews whose given label is probably wrong."""

from __future__ import annotations

import streamlit as st

from lib.stores import contract
from lib.stores.tracking import RunSummary
from lib.wording import counts, numbers
from ui import data

MAX_ROWS = 500
CHANCE_RIGHT = "Chance the given label is right"


def label_errors_panel(run: RunSummary) -> None:
    """The reviews confident learning flags, most likely wrong first (at most ``MAX_ROWS``)."""
    found = data.label_errors(data.settings().tracking_uri, run.run_id, MAX_ROWS)
    if found is None:
        st.info("Finding likely label errors needs the model's probabilities per sentiment, which this run did not store.")
        return
    flagged, issues = found
    st.markdown(
        f"Confident learning flags **{counts.counted(flagged, 'review')}** whose given label is probably wrong: "
        "the model is confidently and consistently sure of another sentiment. Start annotating here: it pays off most."
    )
    columns = {
        contract.TEXT: "Review",
        contract.TRUE_LABEL: "Given label",
        contract.PREDICTED_LABEL: "Model said",
        "label_quality": CHANCE_RIGHT,
    }
    st.dataframe(
        issues[list(columns)].rename(columns=columns),
        hide_index=True,
        width="stretch",
        column_config={CHANCE_RIGHT: st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent")},
    )
    if flagged > len(issues):
        st.caption(f"The {numbers.count(len(issues))} likeliest are listed here.")
