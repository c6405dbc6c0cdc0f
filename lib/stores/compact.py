"""A run's predictions in the compact form the app keeps in memory, once per process.

Text stays an Arrow string column (pandas' default string type), and every other text column
with few distinct values (categories such as product or channel, not ids) becomes a
categorical: a million reviews in 50 categories then hold 50 strings and a million small
codes instead of a million strings. Labels and probabilities keep their values and types, so
every figure is computed from exactly the data that was logged.
"""

from __future__ import annotations

import pandas as pd

from lib.stores import contract

# A text column becomes categorical when it has at most this share of distinct values.
MAX_DISTINCT_SHARE = 0.5
_KEPT_AS_TEXT = {contract.REVIEW_ID, contract.TEXT, contract.TRUE_LABEL, contract.PREDICTED_LABEL}


def compact_predictions(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its repetitive text columns stored as categoricals (a new frame; the input is unchanged)."""
    limit = max(1, int(len(frame) * MAX_DISTINCT_SHARE))
    categorical = {}
    for column in frame.columns:
        series = frame[column]
        if column in _KEPT_AS_TEXT or not pd.api.types.is_string_dtype(series) or isinstance(series.dtype, pd.CategoricalDtype):
            continue
        try:
            if series.nunique(dropna=True) <= limit:
                categorical[column] = series.astype("category")
        except TypeError:  # unhashable cells such as lists of ratings
            continue
    return frame.assign(**categorical) if categorical else frame
