"""The Mistakes page's filters: what the user picked, and the mistakes that match it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.quality.agreement import disagreeing_reviews
from lib.quality.metrics import NO_CATEGORY, SENTIMENT_LABELS
from lib.quality.review_queue import REVIEW_KEY, STATUSES, ReviewFilter, filter_reviews
from lib.stores import contract


def chosen_filter(table: pd.DataFrame) -> ReviewFilter:
    """Draw the filters (folded away) and return what the user picked."""
    with st.expander("Filters", expanded=False):
        left, middle, right = st.columns(3)
        distinct = pd.Series(table[contract.CATEGORY].unique()) if contract.CATEGORY in table else pd.Series([], dtype="string")
        categories = sorted(distinct.astype("string").fillna(NO_CATEGORY).unique())  # distinct values first: 100,000s of rows
        chosen_categories = left.multiselect("Category", categories, key="mistakes_categories")
        true_labels = middle.multiselect("Truly", SENTIMENT_LABELS, key="mistakes_true")
        predicted_labels = right.multiselect("Model said", SENTIMENT_LABELS, key="mistakes_predicted")
        left, middle, right = st.columns(3)
        low, high = left.slider(
            "Model confidence",
            0.0,
            1.0,
            (0.0, 1.0),
            step=0.05,
            key="mistakes_confidence",
            help="How sure the model was of its (wrong) answer.",
        )
        status = middle.selectbox("Annotation status", STATUSES, key="mistakes_status")
        search = right.text_input("Text contains", key="mistakes_search")
    return ReviewFilter(tuple(chosen_categories), tuple(true_labels), tuple(predicted_labels), low, high, search, status)


def matching_mistakes(
    table: pd.DataFrame,
    wanted: ReviewFilter,
    current: pd.DataFrame,
    annotator: str | None,
) -> pd.DataFrame:
    """The mistakes matching ``wanted`` given the experiment's ``current`` annotations, in the table's order."""
    annotated = set(current[REVIEW_KEY]) if len(current) else set()
    mine = set(current.loc[current["annotator"] == annotator, REVIEW_KEY]) if annotator and len(current) else set()
    return filter_reviews(table, wanted, annotated=annotated, mine=mine, disagreed=disagreeing_reviews(current))
