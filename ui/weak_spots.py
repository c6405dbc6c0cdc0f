"""Weak spots on the pages: the link from a weak spot to its mistakes, and the Mistakes page's filter by that link."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.quality.weak_spots import is_slice_id, split_slice_id
from lib.stores import contract
from lib.stores.tracking import RunSummary
from lib.wording import weak_spots as wording
from lib.wording.markdown import escape_markdown
from ui import auth, data
from ui.sidebar import Selection

MISTAKES_PAGE = "pages/mistakes.py"
QUERY_KEY = "weak_spot"


def group_label(row, for_markdown: bool = True) -> str:
    """The group of a row of a weak-spot table in words, its category escaped for Markdown unless ``for_markdown`` is False."""
    category = row.category if row.category is None or not for_markdown else escape_markdown(row.category)
    return wording.slice_label(row.trait, category)


def can_open_mistakes(selection: Selection) -> bool:
    """True when the person may open the Mistakes page of this experiment."""
    return auth.allowed("annotate", selection.experiment)


def mistakes_link(selection: Selection, slice_id: str) -> None:
    """A link to the Mistakes page showing only the mistakes of one weak spot of the selected run."""
    st.page_link(
        MISTAKES_PAGE,
        label=wording.MISTAKES_LINK,
        icon=":material/rule:",
        query_params={QUERY_KEY: slice_id, "experiment": selection.experiment.experiment_id, "run": selection.run.run_id},
    )


def weak_spot_list(selection: Selection, rows: pd.DataFrame) -> None:
    """One sentence per weak spot, each with a link to its mistakes for those who may open them."""
    openable = can_open_mistakes(selection)
    for row in rows.itertuples():
        text, link = st.columns([5, 1], vertical_alignment="center")
        text.markdown(wording.weak_spot_sentence(group_label(row), row))
        if openable:
            with link:
                mistakes_link(selection, row.slice_id)


def only_weak_spot(run: RunSummary, table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` in the weak spot the page's link names (every row when the link names none)."""
    wanted = st.query_params.get(QUERY_KEY)
    if not wanted:
        return table
    found = data.weak_spot_reviews(run, wanted) if is_slice_id(wanted) else None
    if found is None:
        st.warning(wording.UNKNOWN_WEAK_SPOT)
        return table
    review_ids, category = found
    trait, _ = split_slice_id(wanted)
    label = wording.slice_label(trait, escape_markdown(category) if category is not None else None)
    note, button = st.columns([4, 1], vertical_alignment="center")
    note.info(wording.filter_note(label), icon=":material/filter_alt:")
    if button.button("Show all mistakes", key="weak_spot_clear"):
        del st.query_params[QUERY_KEY]
        st.rerun()
    return table[table[contract.REVIEW_ID].astype(str).isin(set(review_ids))]
