"""lib/quality/checks.py: the check sample and the accuracy figures from it, with a simulation on the demo data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ppi_py import ppi_mean_pointestimate
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from lib.quality import estimates
from lib.quality.checks import (
    CONFIDENCE_BAND,
    MIN_CHECKED_REVIEWS,
    STRATUM,
    check_seed,
    checked_accuracy,
    propose_check_sample,
    share_interval,
)
from lib.quality.metrics import SENTIMENT_LABELS, wilson_interval
from lib.quality.ppi import ppi_mean
from lib.scoring.evaluation import class_probabilities, predictions_frame
from lib.stores import contract
from lib.stores.demo import load_demo_data


def scored_reviews(n: int, seed: int = 0) -> pd.DataFrame:
    """A run's predictions: predicted label, probabilities, true label (right more often when confident)."""
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet([0.6, 0.6, 0.6], size=n)
    predicted = np.array(SENTIMENT_LABELS)[proba.argmax(axis=1)]
    right = rng.random(n) < proba.max(axis=1)
    other = np.array(SENTIMENT_LABELS)[(proba.argmax(axis=1) + rng.integers(1, 3, size=n)) % 3]
    frame = pd.DataFrame(
        {
            contract.REVIEW_ID: [f"r{i}" for i in range(n)],
            contract.TEXT: [f"review {i}" for i in range(n)],
            contract.TRUE_LABEL: np.where(right, predicted, other),
            contract.PREDICTED_LABEL: predicted,
        }
    )
    for i, label in enumerate(SENTIMENT_LABELS):
        frame[contract.proba_column(label)] = proba[:, i]
    return frame


def labels_of_sample(frame: pd.DataFrame, sample: pd.DataFrame) -> pd.Series:
    """The true labels of the sampled reviews only, as people checking them would give."""
    labels = pd.Series(np.nan, index=frame.index, dtype=object)
    labels[sample.index] = frame.loc[sample.index, contract.TRUE_LABEL]
    return labels


def test_sample_is_seeded_sized_and_in_random_order() -> None:
    frame = scored_reviews(3_000)
    first = propose_check_sample(frame, 50, seed=7)
    assert len(first) == 50 and first.index.is_unique
    assert first.index.equals(propose_check_sample(frame, 50, seed=7).index)
    assert not first.index.equals(propose_check_sample(frame, 50, seed=8).index)
    assert not first.index.is_monotonic_increasing  # shown in random order, not file order
    assert set(first[CONFIDENCE_BAND]) <= {"below 60%", "60–80%", "80% or more"}
    assert (first[STRATUM] == first[contract.PREDICTED_LABEL] + " · " + first[CONFIDENCE_BAND]).all()
    assert check_seed("run-a") == check_seed("run-a") != check_seed("run-b")


def test_every_stratum_gets_its_share_to_within_one_review() -> None:
    frame = scored_reviews(5_000, seed=1)
    everyone = propose_check_sample(frame, len(frame), seed=0)
    shares = everyone[STRATUM].value_counts(normalize=True)
    for seed in range(20):
        drawn = propose_check_sample(frame, 50, seed=seed)[STRATUM].value_counts()
        expected = shares * 50
        assert (drawn.reindex(expected.index, fill_value=0) - expected).abs().max() < 1


def test_every_review_has_the_same_chance_to_be_drawn() -> None:
    frame = scored_reviews(40, seed=2)
    trials = 4_000
    drawn = np.zeros(len(frame))
    for seed in range(trials):
        drawn[propose_check_sample(frame, 10, seed=seed).index] += 1
    # Each review: drawn with probability 10/40; 4 binomial standard deviations either side.
    spread = 4 * np.sqrt(trials * 0.25 * 0.75)
    assert np.abs(drawn - trials * 0.25).max() < spread


def test_unscored_reviews_are_never_drawn_and_a_small_run_is_checked_whole() -> None:
    frame = scored_reviews(30, seed=3)
    frame.loc[[0, 5], contract.PREDICTED_LABEL] = None
    sample = propose_check_sample(frame, 50, seed=1)
    assert sorted(sample.index) == sorted(set(range(30)) - {0, 5})
    without_proba = frame.drop(columns=[contract.proba_column(label) for label in SENTIMENT_LABELS])
    assert set(propose_check_sample(without_proba, 10, seed=1)[CONFIDENCE_BAND]) == {"unknown"}
    with pytest.raises(ValueError, match="at least one"):
        propose_check_sample(frame, 0, seed=1)


def test_sample_only_figure_is_sklearn_accuracy_with_the_wilson_interval() -> None:
    frame = scored_reviews(2_000, seed=4)
    labels = labels_of_sample(frame, propose_check_sample(frame, 60, seed=3))
    result = checked_accuracy(frame[contract.PREDICTED_LABEL], labels, frame["proba_positive"])
    checked = labels.notna()
    expected = accuracy_score(labels[checked].astype(str), frame.loc[checked, contract.PREDICTED_LABEL])
    low, high = wilson_interval(np.array(round(expected * 60)), np.array(60))
    assert (result.n_checked, result.n_reviews) == (60, 2_000)
    assert result.sample_only.value == pytest.approx(expected)
    assert (result.sample_only.low, result.sample_only.high) == pytest.approx((float(low), float(high)))
    assert result.n_right == round(expected * 60)


def test_combined_figure_is_ppi_on_the_probability_the_model_is_right() -> None:
    frame = scored_reviews(2_000, seed=5)
    labels = labels_of_sample(frame, propose_check_sample(frame, 50, seed=2))
    right_probability = frame[[contract.proba_column(label) for label in SENTIMENT_LABELS]].max(axis=1)
    result = checked_accuracy(frame[contract.PREDICTED_LABEL], labels, right_probability)
    checked = labels.notna().to_numpy()
    y = (labels[checked] == frame.loc[checked, contract.PREDICTED_LABEL]).to_numpy(dtype=float)
    oracle = float(np.squeeze(ppi_mean_pointestimate(y, right_probability[checked].to_numpy(), right_probability[~checked].to_numpy())))
    assert result.combined.value == pytest.approx(oracle)
    assert result.best == result.combined
    assert result.combined.low < result.combined.value < result.combined.high
    assert result.combined.n == 50


def test_share_interval_is_the_samples_wilson_when_the_guess_gets_no_weight() -> None:
    y = np.array([1.0] * 30 + [0.0] * 20)
    rng = np.random.default_rng(0)
    alone = share_interval(ppi_mean(y, rng.random(50), rng.random(500), power=0.0))
    low, high = wilson_interval(np.array(30), np.array(50))
    assert (alone.value, alone.low, alone.high) == pytest.approx((0.6, float(low), float(high)))
    informed = share_interval(ppi_mean(y, y * 0.6 + 0.2, rng.random(500), power=0.8))
    assert informed.high - informed.low < alone.high - alone.low


def test_no_figure_below_the_minimum_and_no_combined_one_without_variation() -> None:
    frame = scored_reviews(500, seed=6)
    confidence = frame["proba_negative"]
    too_few = labels_of_sample(frame, propose_check_sample(frame, MIN_CHECKED_REVIEWS - 1, seed=1))
    assert checked_accuracy(frame[contract.PREDICTED_LABEL], too_few, confidence) is None
    sample = propose_check_sample(frame, MIN_CHECKED_REVIEWS, seed=1)
    all_right = pd.Series(np.nan, index=frame.index, dtype=object)
    all_right[sample.index] = frame.loc[sample.index, contract.PREDICTED_LABEL]
    result = checked_accuracy(frame[contract.PREDICTED_LABEL], all_right, confidence)
    assert result.sample_only.value == 1.0 and result.combined is None and result.best == result.sample_only
    assert checked_accuracy(frame[contract.PREDICTED_LABEL], labels_of_sample(frame, sample), None).combined is None


# ---------------------------------------------------------------- simulation on the demo data, labels hidden

TRIALS = 400


@pytest.fixture(scope="module")
def demo_predictions() -> pd.DataFrame:
    """The demo test split scored by a quick word TF-IDF model trained on the demo train split."""
    data = load_demo_data()
    train = data[data["split"] == "train"]
    test = data[data["split"] == "test"].rename(columns={"label": contract.TRUE_LABEL}).reset_index(drop=True)
    model = Pipeline(
        [
            ("features", ColumnTransformer([("words", TfidfVectorizer(min_df=2), contract.TEXT)])),
            ("classifier", LogisticRegression(max_iter=500)),
        ]
    )
    with threadpool_limits(1):  # one thread: quick on a shared machine too
        model.fit(train[[contract.TEXT]], train["label"])
        proba = class_probabilities(model, test[[contract.TEXT]], SENTIMENT_LABELS)
    frame = predictions_frame(test, np.array(SENTIMENT_LABELS)[proba.argmax(axis=1)], proba)
    keep = ["group_id", contract.CATEGORY, contract.TRUE_LABEL, contract.PREDICTED_LABEL]
    return frame[keep + [contract.proba_column(label) for label in SENTIMENT_LABELS]]


def simulate(reference: pd.DataFrame, population: pd.DataFrame) -> dict[str, float]:
    """Check samples of 50 drawn from ``population``; the guess is calibrated on ``reference`` as the app does."""
    calibration = estimates.fit_calibration(estimates.reference_from_predictions(reference))
    probabilities = estimates.probability_matrix(population)
    right_probability = pd.Series(
        estimates.probability_correct(probabilities, estimates.predicted_codes(population), calibration), index=population.index
    )
    truth = float((population[contract.TRUE_LABEL] == population[contract.PREDICTED_LABEL]).mean())
    covered = {"combined": 0, "sample_only": 0}
    widths = {"combined": [], "sample_only": []}
    for seed in range(TRIALS):
        labels = labels_of_sample(population, propose_check_sample(population, 50, seed=seed))
        result = checked_accuracy(population[contract.PREDICTED_LABEL], labels, right_probability)
        combined = result.best  # the sample's own figure when every checked review was right
        for name, figure in (("combined", combined), ("sample_only", result.sample_only)):
            covered[name] += figure.low <= truth <= figure.high
            widths[name].append(figure.high - figure.low)
    return {
        "coverage_combined": covered["combined"] / TRIALS,
        "coverage_sample_only": covered["sample_only"] / TRIALS,
        "width_combined": float(np.mean(widths["combined"])),
        "width_sample_only": float(np.mean(widths["sample_only"])),
    }


def test_simulation_in_distribution(demo_predictions: pd.DataFrame) -> None:
    """Reference: one half of the demo test split (by review); checked: samples of the other half."""
    half = pd.util.hash_array(demo_predictions["group_id"].to_numpy()) % 2 == 0
    figures = simulate(demo_predictions[~half], demo_predictions[half])
    print("in distribution:", figures)
    assert figures["coverage_combined"] >= 0.93
    assert figures["width_combined"] < figures["width_sample_only"]


def test_simulation_on_shifted_reviews(demo_predictions: pd.DataFrame) -> None:
    """Reference: everything but news editorials; checked: samples of the editorials, where the model is worse."""
    news = (demo_predictions[contract.CATEGORY] == "News editorials").to_numpy()
    figures = simulate(demo_predictions[~news], demo_predictions[news])
    print("news editorials:", figures)
    assert figures["coverage_combined"] >= 0.93
    assert figures["width_combined"] < figures["width_sample_only"]
