"""Agreement statistics against scikit-learn and textbook worked examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from lib.quality.agreement import (
    COHEN,
    FLEISS,
    KRIPPENDORFF,
    alpha_from_counts,
    annotator_agreement,
    cohen_kappa,
    disagreeing_reviews,
    fleiss_kappa,
    krippendorff_alpha_nominal,
)
from lib.stores.annotations import AnnotationStore, review_fingerprint

# ----------------------------------------------------------------------------- Cohen


@pytest.mark.parametrize("seed", range(5))
def test_cohen_kappa_matches_scikit_learn(seed: int):
    rng = np.random.default_rng(seed)
    a = rng.choice(["model_wrong", "label_wrong", "ambiguous"], 300)
    # b agrees 60% of the time and otherwise may use a category a never uses
    b = np.where(rng.random(300) < 0.6, a, rng.choice(["model_wrong", "label_wrong", "ambiguous", "not_a_review"], 300))
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_cohen_kappa_textbook_example():
    # Wikipedia "Cohen's kappa": 50 proposals, yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> 0.4
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4, abs=1e-12)


def test_cohen_kappa_edges():
    assert cohen_kappa(["x", "y"], ["x", "y"]) == 1.0
    assert np.isnan(cohen_kappa(["x", "x"], ["x", "x"]))  # no variation: undefined
    with pytest.raises(ValueError, match="equally long"):
        cohen_kappa(["x"], ["x", "y"])


# ----------------------------------------------------------------------------- Fleiss

# Wikipedia "Fleiss' kappa" worked example (10 subjects, 14 raters, 5 categories): P̄ = 0.378, P̄e = 0.213, κ = 0.210
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_fleiss_kappa_worked_example():
    assert fleiss_kappa(FLEISS_TABLE) == pytest.approx(0.210, abs=5e-4)
    # exact: P̄ = 0.37802..., P̄e = 0.21334..., κ = (P̄ - P̄e) / (1 - P̄e)
    table = np.array(FLEISS_TABLE)
    p_bar = ((table**2).sum(axis=1) - 14).mean() / (14 * 13)
    p_e = ((table.sum(axis=0) / 140) ** 2).sum()
    assert fleiss_kappa(table) == pytest.approx((p_bar - p_e) / (1 - p_e), abs=1e-12)


def test_fleiss_kappa_refuses_unequal_rating_counts():
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa([[2, 1], [1, 1]])
    assert fleiss_kappa([[3, 0], [0, 3]]) == 1.0


# ----------------------------------------------------------------------------- Krippendorff

N = None


def test_krippendorff_alpha_nominal_worked_example_with_missing_data():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", C: nominal, 4 observers, 12 units
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
        [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
    ]
    assert krippendorff_alpha_nominal(data) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_alpha_binary_worked_example():
    # Krippendorff (2011), A: binary data, two observers, no missing data -> α = 0.095
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert krippendorff_alpha_nominal(data) == pytest.approx(0.095, abs=5e-4)


def test_krippendorff_alpha_ignores_units_rated_once():
    with_single = alpha_from_counts(np.array([[2, 0], [1, 1], [0, 2], [1, 0]]))
    assert with_single == alpha_from_counts(np.array([[2, 0], [1, 1], [0, 2]]))
    assert alpha_from_counts(np.array([[2, 0], [0, 2]])) == 1.0
    assert np.isnan(alpha_from_counts(np.array([[1, 0]])))


# ----------------------------------------------------------------------------- annotator_agreement

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def current_frame(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    """A frame shaped like AnnotationStore.current() from (review, annotator, verdict, label)."""
    return pd.DataFrame(
        {
            "review_key": [r[0] for r in rows],
            "dataset": "demo",
            "review_id": [r[0] for r in rows],
            "annotator": [r[1] for r in rows],
            "verdict": [r[2] for r in rows],
            "corrected_label": [r[3] for r in rows],
            "created_at": [T0 + timedelta(minutes=i) for i in range(len(rows))],
            "review_version": 1,
        }
    )


def test_two_annotators_use_cohen_and_list_disagreements():
    rows = [
        ("r1", "ann", "model_wrong", None),
        ("r1", "bob", "model_wrong", None),
        ("r2", "ann", "label_wrong", "positive"),
        ("r2", "bob", "label_wrong", "neutral"),  # same verdict, different label
        ("r3", "ann", "ambiguous", None),
        ("r3", "bob", "model_wrong", None),
        ("r4", "ann", "not_a_review", None),
        ("r4", "bob", "not_a_review", None),
        ("r5", "ann", "ambiguous", None),  # only one annotator: not compared
    ]
    summary = annotator_agreement(current_frame(rows))
    assert summary.kappa_method == COHEN
    assert (summary.reviews_with_two_or_more, summary.annotators) == (4, 2)
    assert summary.pairwise_agreement == pytest.approx(3 / 4)
    ann = ["model_wrong", "label_wrong", "ambiguous", "not_a_review"]
    bob = ["model_wrong", "label_wrong", "model_wrong", "not_a_review"]
    assert summary.kappa == pytest.approx(cohen_kappa_score(ann, bob), abs=1e-12)
    disagreements = summary.disagreements
    assert set(disagreements.review_key) == {"r2", "r3"}
    assert disagreements.review_key.tolist() == ["r3", "r2"]  # most recently changed first
    r2 = disagreements.set_index("review_key").loc["r2"]
    assert r2.corrected_labels == "ann: positive; bob: neutral" and r2.annotators == 2

    on_labels = annotator_agreement(current_frame(rows), on="corrected_label")
    assert on_labels.reviews_with_two_or_more == 1 and on_labels.pairwise_agreement == 0.0


def test_three_annotators_on_every_review_use_fleiss():
    verdicts = {
        "r1": ["model_wrong"] * 3,
        "r2": ["model_wrong", "ambiguous", "ambiguous"],
        "r3": ["label_wrong", "label_wrong", "ambiguous"],
    }
    rows = [(review, person, verdict, None) for review, vs in verdicts.items() for person, verdict in zip("xyz", vs, strict=True)]
    summary = annotator_agreement(current_frame(rows))
    assert summary.kappa_method == FLEISS
    # categories: ambiguous, label_wrong, model_wrong
    assert summary.kappa == pytest.approx(fleiss_kappa([[0, 0, 3], [2, 0, 1], [1, 2, 0]]), abs=1e-12)
    assert summary.pairwise_agreement == pytest.approx((3 + 1 + 1) / 9)


def test_uneven_numbers_of_annotators_use_krippendorff_alpha():
    rows = [
        ("r1", "x", "model_wrong", None),
        ("r1", "y", "model_wrong", None),
        ("r1", "z", "ambiguous", None),
        ("r2", "x", "label_wrong", "neutral"),
        ("r2", "y", "label_wrong", "neutral"),
        ("r3", "y", "ambiguous", None),
        ("r3", "z", "model_wrong", None),
    ]
    summary = annotator_agreement(current_frame(rows))
    assert summary.kappa_method == KRIPPENDORFF
    matrix = [["model_wrong", "label_wrong", N], ["model_wrong", "label_wrong", "ambiguous"], ["ambiguous", N, "model_wrong"]]
    assert summary.kappa == pytest.approx(krippendorff_alpha_nominal(matrix), abs=1e-12)


def test_no_review_with_two_annotators_gives_nothing_to_compare():
    summary = annotator_agreement(current_frame([("r1", "x", "model_wrong", None), ("r2", "y", "ambiguous", None)]))
    assert summary.reviews_with_two_or_more == 0 and summary.kappa_method == ""
    assert np.isnan(summary.kappa) and np.isnan(summary.pairwise_agreement)
    assert summary.disagreements.empty and "verdicts" in summary.disagreements.columns


def test_agreement_from_a_real_store(tmp_path):
    store = AnnotationStore(f"sqlite:///{tmp_path / 'a.db'}")
    for review, votes in {"good film": ("model_wrong", "model_wrong"), "meh": ("ambiguous", "label_wrong")}.items():
        review_key = review_fingerprint(review, "1")
        for annotator, verdict in zip(("ann", "bob"), votes, strict=True):
            store.record(
                experiment_id="1",
                review_key=review_key,
                dataset="demo",
                review_id=review,
                run_id="r",
                model_uri="m",
                annotator=annotator,
                verdict=verdict,
                corrected_label=None,
                expected_version=store.review_version("1", review_key),
            )
    summary = annotator_agreement(store.current("1"))
    assert (summary.reviews_with_two_or_more, summary.kappa_method, summary.pairwise_agreement) == (2, COHEN, 0.5)
    assert summary.disagreements.review_id.tolist() == ["meh"]
    store.close()


def test_one_disagreement_rule_for_the_filter_and_the_table():
    rows = [
        ("blank", "ann", "label_wrong", "neutral"),
        ("blank", "bob", "label_wrong", None),  # a blank corrected label differs from "neutral"
        ("same", "ann", "model_wrong", None),
        ("same", "bob", "model_wrong", None),
        ("verdict", "ann", "ambiguous", None),
        ("verdict", "bob", "model_wrong", None),
        ("alone", "ann", "label_wrong", None),
    ]
    current = current_frame(rows)
    assert disagreeing_reviews(current) == {"blank", "verdict"}
    assert set(annotator_agreement(current).disagreements.review_key) == disagreeing_reviews(current)
    assert disagreeing_reviews(current.iloc[0:0]) == frozenset()
