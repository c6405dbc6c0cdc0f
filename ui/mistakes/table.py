"""The Mistakes page's table: one page of matching mistakes, and the review the user picked in it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.quality.review_queue import CONFIDENCE, REVIEW_KEY, page_count, page_of, position_of
from lib.stores import contract
from lib.wording import counts, numbers

PAGE_SIZE = 25
CURRENT_KEY = "mistakes_current_review"
PAGE_KEY = "mistakes_page"


def picked_review(matching: pd.DataFrame, total: int, run_id: str, annotated: set[str]) -> pd.Series | None:
    """Show the page holding the current review and return that review (the first match until one is picked)."""
    ids = matching[contract.REVIEW_ID].astype("string")  # no copy when the ids are strings already
    current = position_of(ids, st.session_state.get(CURRENT_KEY))
    if current is not None:
        st.session_state[PAGE_KEY] = current // PAGE_SIZE + 1
    pages = page_count(len(matching), PAGE_SIZE)
    page_column, count_column = st.columns([1, 3])
    page_number = page_column.number_input("Page", 1, pages, key=PAGE_KEY)
    count_column.caption(
        f"{numbers.count(len(matching))} of {counts.counted(total, 'mistake')} {counts.agreeing(len(matching), 'matches')} the filters · page {page_number} of {pages}"
    )
    shown = page_of(matching, int(page_number), PAGE_SIZE)
    event = st.dataframe(
        _view(shown, annotated),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"mistakes_table_{run_id}_{page_number}",
        column_config={"Confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0, format="percent")},
    )
    # Selections are positions in the displayed page: turn them into a review id at once.
    picked = event.selection.rows if event is not None else []
    if picked:
        st.session_state[CURRENT_KEY] = str(shown.iloc[picked[0]][contract.REVIEW_ID])
    current = position_of(ids, st.session_state.get(CURRENT_KEY))
    if current is None:
        current = 0 if len(ids) else None
        st.session_state[CURRENT_KEY] = None if current is None else str(ids.iloc[0])
    return None if current is None else matching.iloc[current]


def _view(shown: pd.DataFrame, annotated: set[str]) -> pd.DataFrame:
    view = pd.DataFrame(
        {
            "Review": shown[contract.TEXT].astype(str).str.slice(0, 160),
            "Truly": shown[contract.TRUE_LABEL],
            "Model said": shown[contract.PREDICTED_LABEL],
            "Confidence": shown[CONFIDENCE],
            "Annotated": shown[REVIEW_KEY].isin(annotated).map({True: "yes", False: ""}),
        }
    )
    if contract.CATEGORY in shown:
        view.insert(1, "Category", shown[contract.CATEGORY])
    return view
