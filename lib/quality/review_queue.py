"""The queue of misclassified reviews: which to show, in what order, a page at a time.

The table is built once per run (cached by the app) already sorted "confidently wrong
first", so filtering is a boolean mask and the first page is a head(): fast even for a
run with a million reviews. Rows are keyed by review id and review key, never by position.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.quality.distinct import distinct_codes
from lib.quality.metrics import NO_CATEGORY
from lib.stores import contract
from lib.stores.annotations import review_fingerprint

STATUSES = ("all", "not annotated yet", "annotated by me", "annotated by anyone", "annotators disagree")
CONFIDENCE = "confidence"
REVIEW_KEY = "review_key"


@dataclass(frozen=True)
class ReviewFilter:
    """What the user asked to see; empty tuples mean "no restriction"."""

    categories: tuple[str, ...] = ()
    true_labels: tuple[str, ...] = ()
    predicted_labels: tuple[str, ...] = ()
    min_confidence: float = 0.0
    max_confidence: float = 1.0
    search: str = ""
    status: str = "all"


def review_keys(texts: pd.Series, experiment_id: str) -> pd.Series:
    """Fingerprint of each review (experiment + normalised text), as the annotation store keys them."""
    codes, unique = distinct_codes(texts)  # hash each distinct text once
    keys = np.array([review_fingerprint(str(text), experiment_id) for text in unique.tolist()], dtype=object)
    return pd.Series(keys[codes] if len(codes) else [], index=texts.index, dtype=object)


def mistakes_table(predictions: pd.DataFrame, experiment_id: str) -> pd.DataFrame:
    """Misclassified reviews of a run of ``experiment_id`` with their model confidence, confidently wrong first."""
    labelled = predictions[predictions[contract.TRUE_LABEL].notna()]
    wrong = labelled[labelled[contract.TRUE_LABEL] != labelled[contract.PREDICTED_LABEL]]
    proba_columns = [c for c in wrong.columns if c.startswith(contract.PROBA_PREFIX)]
    confidence = wrong[proba_columns].max(axis=1) if proba_columns else pd.Series(np.nan, index=wrong.index)
    table = wrong.assign(**{CONFIDENCE: confidence})
    table[REVIEW_KEY] = review_keys(table[contract.TEXT].astype(str), experiment_id)
    return table.sort_values(CONFIDENCE, ascending=False, kind="stable", na_position="last").reset_index(drop=True)


def filter_reviews(
    table: pd.DataFrame,
    wanted: ReviewFilter,
    *,
    annotated: Collection[str] = (),
    mine: Collection[str] = (),
    disagreed: Collection[str] = (),
) -> pd.DataFrame:
    """Rows of ``table`` matching the filter, keeping its order."""
    mask = np.ones(len(table), dtype=bool)
    if wanted.categories and contract.CATEGORY in table:
        mask &= table[contract.CATEGORY].astype("string").fillna(NO_CATEGORY).isin(wanted.categories).to_numpy()
    if wanted.true_labels:
        mask &= table[contract.TRUE_LABEL].isin(wanted.true_labels).to_numpy()
    if wanted.predicted_labels:
        mask &= table[contract.PREDICTED_LABEL].isin(wanted.predicted_labels).to_numpy()
    if table[CONFIDENCE].notna().any() and (wanted.min_confidence > 0 or wanted.max_confidence < 1):
        mask &= table[CONFIDENCE].between(wanted.min_confidence, wanted.max_confidence).to_numpy()
    status_sets = {
        "not annotated yet": (annotated, False),
        "annotated by me": (mine, True),
        "annotated by anyone": (annotated, True),
        "annotators disagree": (disagreed, True),
    }
    if wanted.status in status_sets:
        keys, keep = status_sets[wanted.status]
        inside = table[REVIEW_KEY].isin(set(keys)).to_numpy()
        mask &= inside if keep else ~inside
    if wanted.search.strip():
        texts = table[contract.TEXT].astype("string")
        mask &= texts.str.contains(wanted.search.strip(), case=False, regex=False).to_numpy(dtype=bool, na_value=False)
    return table if mask.all() else table[mask]  # no copy of 100,000s of rows when nothing is filtered out


def page_of(table: pd.DataFrame, page: int, page_size: int) -> pd.DataFrame:
    """Rows of one page (1-based); an out-of-range page gives the last one."""
    pages = max(1, -(-len(table) // page_size))
    page = min(max(page, 1), pages)
    return table.iloc[(page - 1) * page_size : page * page_size]


def page_count(rows: int, page_size: int) -> int:
    """How many pages ``rows`` rows fill."""
    return max(1, -(-rows // page_size))


def position_of(ids: pd.Series, review_id: str | None) -> int | None:
    """Where ``review_id`` first is among ``ids``, or None; vectorised, as a big run has 100,000s of mistakes."""
    if review_id is None or not len(ids):
        return None
    found = np.flatnonzero((ids == review_id).to_numpy(dtype=bool, na_value=False))
    return int(found[0]) if len(found) else None


def next_review_id(filtered: pd.DataFrame, current_id: str) -> str | None:
    """The review after ``current_id`` in the filtered order (None at the end)."""
    ids = filtered[contract.REVIEW_ID].astype("string")
    position = position_of(ids, current_id)
    if position is None:
        return str(ids.iloc[0]) if len(ids) else None
    return str(ids.iloc[position + 1]) if position + 1 < len(ids) else None
