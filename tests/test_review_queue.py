"""lib/quality/review_queue.py: the mistakes table and its filters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.quality.review_queue import PREDICTION_ROW, ReviewFilter, filter_reviews, mistakes_table
from lib.stores import contract


def predictions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            contract.REVIEW_ID: ["a", "b", "c", "d", "e"],
            contract.TEXT: ["fine", "awful", "ok", "great", "meh"],
            contract.TRUE_LABEL: ["positive", "negative", "neutral", "positive", None],
            contract.PREDICTED_LABEL: ["negative", "negative", "positive", "neutral", "neutral"],
            contract.proba_column("negative"): [0.6, 0.8, 0.1, 0.2, 0.3],
            contract.proba_column("neutral"): [0.3, 0.1, 0.2, 0.7, 0.4],
            contract.proba_column("positive"): [0.1, 0.1, 0.7, 0.1, 0.3],
        }
    )


def test_mistakes_table_keeps_each_mistakes_position_in_the_predictions() -> None:
    table = mistakes_table(predictions(), "1")
    assert table[contract.REVIEW_ID].tolist() == ["c", "d", "a"]  # confidently wrong first
    assert table[PREDICTION_ROW].tolist() == [2, 3, 0]


def test_a_row_mask_over_the_predictions_restricts_the_mistakes() -> None:
    frame = predictions()
    table = mistakes_table(frame, "1")
    in_spot = frame[contract.TEXT].isin(["fine", "great", "awful"]).to_numpy()  # e.g. one weak spot
    kept = filter_reviews(table, ReviewFilter(), prediction_rows=in_spot)
    assert kept[contract.REVIEW_ID].tolist() == ["d", "a"]
    both = filter_reviews(table, ReviewFilter(true_labels=("neutral",)), prediction_rows=in_spot)
    assert both.empty
    assert len(filter_reviews(table, ReviewFilter(), prediction_rows=np.ones(len(frame), dtype=bool))) == 3
