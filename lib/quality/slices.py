"""Per-category views: which columns can be categories, and each category's standing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.quality.ceiling import HumanCeiling
from lib.quality.metrics import MIN_REVIEWS_TO_JUDGE, QualityReport
from lib.stores import contract

# The most distinct values a column of a logged run may have to be offered as a way to split it (a run made by other code may have many).
MAX_SPLIT_VALUES = 1000
# Columns of the demo's predictions that describe raters or ids, not categories of reviews.
NOT_CATEGORIES = {contract.REVIEW_ID, contract.TEXT, contract.TRUE_LABEL, contract.PREDICTED_LABEL, "ratings", "group_id", "n_raters"}
TOO_FEW, ENOUGH, MEETS, BELOW = "Too few reviews to judge", "Enough reviews to judge", "Meets target", "Below target"


def category_columns(frame: pd.DataFrame) -> list[str]:
    """Columns that can split reviews into categories: ``category`` first, then other text-like columns."""
    candidates = []
    for column in frame.columns:
        if column in NOT_CATEGORIES or column.startswith(contract.PROBA_PREFIX):
            continue
        series = frame[column]
        if pd.api.types.is_float_dtype(series) or not (
            pd.api.types.is_object_dtype(series)
            or pd.api.types.is_string_dtype(series)
            or isinstance(series.dtype, pd.CategoricalDtype)
            or pd.api.types.is_integer_dtype(series)
            or pd.api.types.is_bool_dtype(series)
        ):
            continue
        try:
            distinct = series.nunique(dropna=True)
        except TypeError:  # unhashable cells such as lists
            continue
        if 2 <= distinct <= MAX_SPLIT_VALUES:
            candidates.append(column)
    return sorted(candidates, key=lambda c: (c != contract.CATEGORY, c))


def category_standing(
    report: QualityReport,
    metric: str,
    *,
    target: float | None = None,
    ceiling: HumanCeiling | None = None,
    min_reviews: int = MIN_REVIEWS_TO_JUDGE,
) -> pd.DataFrame:
    """One row per category, weakest first: value, interval, n, status and human ceiling."""
    rows = report.by_metric(metric)
    judged = rows["n"] >= min_reviews
    if target is None:
        status = np.where(judged, ENOUGH, TOO_FEW)
    else:
        status = np.where(~judged, TOO_FEW, np.where(rows["value"] >= target, MEETS, BELOW))
    rows = rows.assign(status=status, judged=judged)
    if ceiling is not None:
        rows["ceiling"] = rows["slice"].map(ceiling.by_group.set_index("slice")["value"])
    return rows.sort_values(["judged", "value"], ascending=[False, True], na_position="last").reset_index(drop=True)


def shown_categories(standing: pd.DataFrame, show_all: bool, weakest: int = 12, strongest: int = 3) -> pd.DataFrame:
    """All categories, or the weakest and strongest few when there are many."""
    if show_all or len(standing) <= weakest + strongest:
        return standing
    ranked = standing[standing["judged"]]
    picked = pd.concat([ranked.head(weakest), ranked.tail(strongest)]).drop_duplicates("slice")
    # With few categories big enough to rank (say 500 of 5 reviews each), fill up with
    # unranked ones so the chart never comes out empty.
    if len(picked) < weakest + strongest:
        picked = pd.concat([picked, standing[~standing["judged"]].head(weakest + strongest - len(picked))])
    return picked.reset_index(drop=True)
