"""lib/quality/review_queue.py: the mistakes table and its filters."""

from __future__ import annotations

import pandas as pd

from lib.quality.review_queue import mistakes_table
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


def test_mistakes_table_lists_only_the_mistakes_confidently_wrong_first() -> None:
    table = mistakes_table(predictions(), "1")
    assert table[contract.REVIEW_ID].tolist() == ["c", "d", "a"]
