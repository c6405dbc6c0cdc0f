"""lib/quality/model_differences.py: disagreements between two models on the same unlabelled reviews."""

from __future__ import annotations

import pandas as pd

from lib.quality.model_differences import prediction_differences
from lib.stores import contract


def run(ids: list[str], said: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({contract.REVIEW_ID: ids, contract.PREDICTED_LABEL: pd.Series(said, dtype="string")})


def test_differences_are_counted_on_the_review_id_and_grouped_by_pair() -> None:
    first = run(["1", "2", "3", "4", "5"], ["negative", "neutral", "neutral", "positive", None])
    second = run(["5", "4", "3", "2", "1"], ["positive", "positive", "positive", "positive", "negative"])  # another row order
    found = prediction_differences(first, second)
    assert found.reviews == 4 and found.differ == 2
    assert found.pairs.to_dict("records") == [{"first_says": "neutral", "second_says": "positive", "reviews": 2}]


def test_identical_answers_have_no_differences() -> None:
    same = run(["1", "2"], ["negative", "positive"])
    found = prediction_differences(same, same.copy())
    assert found.differ == 0 and found.pairs.empty
