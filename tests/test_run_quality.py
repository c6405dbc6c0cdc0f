"""lib/quality/run_quality.py: a run's figures over its labelled reviews, with and without the annotators' corrections."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from lib.quality.run_quality import corrected_report, labelled_report
from lib.stores import contract

FRAME = pd.DataFrame(
    {
        contract.TRUE_LABEL: ["negative", "neutral", None, "positive", "positive"],
        contract.PREDICTED_LABEL: ["negative", "positive", "neutral", "positive", "negative"],
        contract.CATEGORY: ["App", "App", "Web", "Web", "Web"],
    }
)
KEYS = pd.Series(["k0", "k1", "k2", "k3", "k4"])


def test_labelled_report_leaves_out_reviews_without_a_true_label() -> None:
    report = labelled_report(FRAME, contract.CATEGORY)
    assert report is not None and report.n == 4
    labelled = FRAME.dropna(subset=[contract.TRUE_LABEL])
    assert report.estimate("accuracy").value == pytest.approx(
        accuracy_score(labelled[contract.TRUE_LABEL], labelled[contract.PREDICTED_LABEL])
    )
    assert report.estimate("accuracy", "Web").n == 2
    assert labelled_report(FRAME.drop(columns=contract.TRUE_LABEL)) is None
    assert labelled_report(FRAME, "shop") is None
    assert labelled_report(None) is None


def test_corrected_report_uses_the_agreed_labels_and_counts_the_changes() -> None:
    consensus = pd.Series({"k1": "positive", "k4": "positive", "k2": "neutral"})
    result = corrected_report(FRAME, KEYS, consensus, contract.CATEGORY)
    assert result is not None
    report, changed = result
    assert changed == 2  # k1 changes, k2 gains a label (an unlabelled review becomes labelled), k4 already positive
    assert report.n == 5 and report.estimate("accuracy").value == pytest.approx(4 / 5)
    assert report.estimate("accuracy", "App").value == 1.0
    overall_only, _ = corrected_report(FRAME, KEYS, consensus, "shop")
    assert overall_only.groups == ()


def test_corrected_report_is_none_when_nothing_changes() -> None:
    assert corrected_report(FRAME, KEYS, pd.Series({"k0": "negative"})) is None
    assert corrected_report(FRAME, KEYS, pd.Series(dtype=object)) is None
