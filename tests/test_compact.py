"""lib/stores/compact.py: the in-memory form of a run's predictions keeps every figure and shrinks categories."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.quality.metrics import SENTIMENT_LABELS, quality_report
from lib.quality.review_queue import mistakes_table
from lib.stores import contract
from lib.stores.compact import compact_predictions


def _predictions(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    labels = np.array(SENTIMENT_LABELS)
    truth = labels[rng.integers(0, 3, n)]
    frame = pd.DataFrame(
        {
            contract.REVIEW_ID: [f"r{i}" for i in range(n)],
            contract.TEXT: [f"review number {i}" for i in range(n)],
            contract.TRUE_LABEL: truth,
            contract.PREDICTED_LABEL: np.where(rng.random(n) < 0.7, truth, labels[rng.integers(0, 3, n)]),
            contract.CATEGORY: [None if i % 97 == 0 else f"shop {i % 7}" for i in range(n)],
            "channel": rng.choice(["web", "app", ""], n),
            "ratings": [[1, 2]] * n,
        }
    )
    for i, label in enumerate(SENTIMENT_LABELS):
        frame[contract.proba_column(label)] = rng.dirichlet([1, 1, 1], n)[:, i]
    return frame


def test_categories_become_categorical_and_text_stays_arrow_strings() -> None:
    frame = _predictions()
    compact = compact_predictions(frame)
    assert isinstance(compact[contract.CATEGORY].dtype, pd.CategoricalDtype)
    assert isinstance(compact["channel"].dtype, pd.CategoricalDtype)
    assert compact[contract.CATEGORY].isna().sum() == frame[contract.CATEGORY].isna().sum() > 0
    for column in (contract.TEXT, contract.REVIEW_ID, contract.TRUE_LABEL, contract.PREDICTED_LABEL):
        assert compact[column].dtype == frame[column].dtype
    assert compact[contract.TEXT].dtype.storage == "pyarrow"  # Arrow strings, not Python objects
    assert compact["ratings"].equals(frame["ratings"])  # lists are left alone
    assert compact.memory_usage(deep=True).sum() < frame.memory_usage(deep=True).sum()
    assert not isinstance(frame[contract.CATEGORY].dtype, pd.CategoricalDtype)  # the input is unchanged


def test_figures_and_mistakes_table_are_the_same_on_the_compact_form() -> None:
    frame = _predictions()
    compact = compact_predictions(frame)
    for column in (contract.CATEGORY, "channel"):
        before = quality_report(frame[contract.TRUE_LABEL], frame[contract.PREDICTED_LABEL], groups=frame[column])
        after = quality_report(compact[contract.TRUE_LABEL], compact[contract.PREDICTED_LABEL], groups=compact[column])
        pd.testing.assert_frame_equal(before.overall, after.overall)
        pd.testing.assert_frame_equal(before.by_group, after.by_group)
    before, after = mistakes_table(frame, "e1"), mistakes_table(compact, "e1")
    assert before[contract.REVIEW_ID].tolist() == after[contract.REVIEW_ID].tolist()
    assert before[contract.CATEGORY].astype("string").tolist() == after[contract.CATEGORY].astype("string").tolist()


def test_ids_and_mostly_distinct_columns_stay_text() -> None:
    frame = _predictions(100).assign(order_number=[f"o{i}" for i in range(100)])
    compact = compact_predictions(frame)
    assert compact["order_number"].dtype == frame["order_number"].dtype
