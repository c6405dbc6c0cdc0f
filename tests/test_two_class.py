"""lib/quality/two_class.py: accuracy of a three-class model on a negative/positive-only file, checked against scikit-learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from lib.quality.metrics import wilson_interval
from lib.quality.two_class import two_class_summary


def test_accuracy_over_all_and_over_reviews_not_called_neutral_agree_with_sklearn() -> None:
    rng = np.random.default_rng(3)
    truth = pd.Series(rng.choice(["negative", "positive"], 500))
    said = pd.Series(rng.choice(["negative", "neutral", "positive"], 500, p=[0.4, 0.2, 0.4]))
    summary = two_class_summary(truth, said)
    assert summary is not None
    decided = said != "neutral"
    assert summary.reviews == 500 and summary.called_neutral == int((~decided).sum())
    assert summary.accuracy_all.value == pytest.approx(accuracy_score(truth, said))
    assert summary.accuracy_not_neutral.value == pytest.approx(accuracy_score(truth[decided], said[decided]))
    assert summary.accuracy_not_neutral.n == int(decided.sum())
    low, high = wilson_interval(np.array((truth[decided] == said[decided]).sum()), np.array(decided.sum()))
    assert (summary.accuracy_not_neutral.low, summary.accuracy_not_neutral.high) == pytest.approx((float(low), float(high)))
    assert summary.accuracy_all.low < summary.accuracy_all.value < summary.accuracy_all.high


def test_only_files_without_a_truly_neutral_review_get_a_summary() -> None:
    assert two_class_summary(pd.Series(["negative", "neutral"]), pd.Series(["negative", "neutral"])) is None
    assert two_class_summary(pd.Series([None, None], dtype="string"), pd.Series(["negative", "neutral"])) is None
    every_neutral = two_class_summary(pd.Series(["negative", "positive"]), pd.Series(["neutral", "neutral"]))
    assert every_neutral is not None and every_neutral.called_neutral == 2
    assert every_neutral.accuracy_all.value == 0 and not every_neutral.accuracy_not_neutral.is_defined


def test_unlabelled_rows_count_nowhere() -> None:
    summary = two_class_summary(pd.Series(["positive", None, "negative"], dtype="string"), pd.Series(["positive", "neutral", "neutral"]))
    assert summary is not None and summary.reviews == 2 and summary.called_neutral == 1
    assert summary.accuracy_not_neutral.value == 1.0 and summary.accuracy_not_neutral.n == 1
