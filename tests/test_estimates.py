"""lib/quality/estimates.py: CBPE against direct computations, scikit-learn, and the demo data with labels hidden."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, recall_score
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from lib.errors import UserFacingError
from lib.quality import estimates
from lib.quality.metrics import SENTIMENT_LABELS, label_codes
from lib.stores import contract
from lib.stores.demo import load_demo_data

K = len(SENTIMENT_LABELS)


def random_probabilities(n: int, seed: int, concentration: float = 0.6) -> np.ndarray:
    """Dirichlet class probabilities, rows summing to 1."""
    return np.random.default_rng(seed).dirichlet(np.full(K, concentration), size=n)


def drawn_truth(probabilities: np.ndarray, seed: int) -> np.ndarray:
    """True labels drawn from the probabilities: the probabilities are then perfectly calibrated."""
    u = np.random.default_rng(seed).random(len(probabilities))[:, None]
    return (u > probabilities.cumsum(axis=1)).sum(axis=1)


def test_expected_confusion_matrix_equals_a_direct_sum_over_reviews() -> None:
    probabilities = random_probabilities(500, 1)
    predicted = np.random.default_rng(2).integers(0, K, 500)
    direct = np.zeros((K, K))
    for p, j in zip(probabilities, predicted, strict=True):
        for i in range(K):
            direct[i, j] += p[i]
    assert np.allclose(estimates.expected_confusion(probabilities, predicted, K), direct)


def test_figures_of_a_counted_confusion_matrix_agree_with_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    truth, predicted = rng.integers(0, K, 400), rng.integers(0, K, 400)
    counted = estimates.expected_confusion(np.eye(K)[truth], predicted, K)
    figures = estimates.confusion_figures(counted, SENTIMENT_LABELS)
    assert figures["accuracy"] == pytest.approx(accuracy_score(truth, predicted))
    assert figures["macro_f1"] == pytest.approx(f1_score(truth, predicted, average="macro"))
    for i, label in enumerate(SENTIMENT_LABELS):
        assert figures[f"recall:{label}"] == pytest.approx(recall_score(truth, predicted, average=None)[i])


def test_class_calibration_is_scikit_learns_isotonic_regression() -> None:
    rng = np.random.default_rng(4)
    scores = rng.random(2000)
    truth = (rng.random(2000) < scores**2).astype(float)
    fitted = IsotonicRegression(out_of_bounds="clip").fit(scores, truth)
    reference = estimates.Reference(np.column_stack([scores, 1 - scores, np.zeros(2000)]), np.where(truth == 1, 0, 1), np.zeros(2000, int))
    calibration = estimates.fit_calibration(reference, recalibrate=(True, False, False))
    grid = np.linspace(-0.1, 1.1, 301)
    assert np.allclose(calibration.classes[0].apply(grid), fitted.predict(grid))
    assert np.allclose(calibration.classes[1].apply(grid), grid)  # left as the model gives it
    assert calibration.calibrated_classes == ("negative",)


def test_a_calibration_fitted_with_draw_counts_equals_one_fitted_on_the_drawn_reviews() -> None:
    """Bootstrap replicates are fitted as counts of draws: the same as scikit-learn on the resampled rows (ties included)."""
    rng = np.random.default_rng(9)
    probabilities = np.round(random_probabilities(1500, 10), 2)  # many equal scores
    truth = drawn_truth(probabilities, 11)
    reference = estimates.Reference(probabilities, truth, probabilities.argmax(axis=1))
    drawn = rng.integers(0, 1500, 1500)
    calibration = estimates.fit_calibration(reference, (True, True, True), np.bincount(drawn, minlength=1500))
    grid = np.linspace(0, 1, 201)
    for i in range(K):
        fitted = IsotonicRegression(out_of_bounds="clip").fit(probabilities[drawn, i], (truth[drawn] == i).astype(float))
        assert np.allclose(calibration.classes[i].apply(grid), fitted.predict(grid))
    assert calibration.n_reference == 1500


def test_probability_correct_is_the_normalised_calibrated_probability_of_the_answer() -> None:
    probabilities = random_probabilities(300, 5)
    predicted = probabilities.argmax(axis=1)
    reference = estimates.Reference(probabilities, drawn_truth(probabilities, 6), predicted)
    calibration = estimates.fit_calibration(reference)
    calibrated = np.column_stack([c.apply(probabilities[:, i]) for i, c in enumerate(calibration.classes)])
    calibrated /= calibrated.sum(axis=1, keepdims=True)
    right = estimates.probability_correct(probabilities, predicted, calibration)
    assert np.allclose(right, calibrated[np.arange(300), predicted])
    assert right.mean() == pytest.approx(
        estimates.confusion_figures(estimates.expected_confusion(calibrated, predicted, K), SENTIMENT_LABELS)["accuracy"]
    )


def test_overconfident_probabilities_are_corrected_by_the_calibration() -> None:
    """Truth drawn from softened probabilities: raw confidence overstates accuracy, the calibrated one does not."""
    raw = random_probabilities(6000, 7, concentration=0.3)
    softened = 0.5 * raw + 0.5 / K
    truth = drawn_truth(softened, 8)
    predicted = raw.argmax(axis=1)
    reference = estimates.Reference(raw[:3000], truth[:3000], predicted[:3000])
    result = estimates.estimate_quality(raw[3000:], predicted[3000:], estimates.fit_reference(reference, n_boot=100, backtest_splits=5))
    true_accuracy = accuracy_score(truth[3000:], predicted[3000:])
    assert raw[3000:].max(axis=1).mean() - true_accuracy > 0.15  # the model's own confidence is far off
    assert abs(result.estimate("accuracy").value - true_accuracy) < 0.02
    assert result.estimate("accuracy").low <= true_accuracy <= result.estimate("accuracy").high


def test_interval_covers_the_truth_in_most_seeded_simulations() -> None:
    covered = 0
    for seed in range(20):
        probabilities = random_probabilities(1200, 100 + seed)
        truth = drawn_truth(probabilities, 200 + seed)
        predicted = probabilities.argmax(axis=1)
        reference = estimates.Reference(probabilities[:600], truth[:600], predicted[:600])
        fitted = estimates.fit_reference(reference, n_boot=100, backtest_splits=2)
        figure = estimates.estimate_quality(probabilities[600:], predicted[600:], fitted).estimate("accuracy")
        covered += figure.low <= accuracy_score(truth[600:], predicted[600:]) <= figure.high
    assert covered >= 17  # 95% intervals: 19 of 20 expected, 17 allows for chance


def test_reference_needs_probabilities_and_enough_labelled_reviews() -> None:
    frame = pd.DataFrame(
        {contract.TRUE_LABEL: ["negative"] * 50, contract.PREDICTED_LABEL: ["negative"] * 50}
        | {contract.proba_column(label): [1 / K] * 50 for label in SENTIMENT_LABELS}
    )
    with pytest.raises(UserFacingError, match="at least 200"):
        estimates.reference_from_predictions(frame)
    with pytest.raises(UserFacingError, match="no class probabilities"):
        estimates.reference_from_predictions(frame.drop(columns=contract.proba_column("neutral")))


# ---- the demo data with its labels hidden -----------------------------------------------


@pytest.fixture(scope="module")
def demo_scored() -> pd.DataFrame:
    """The demo test split scored by a word TF-IDF + logistic regression model trained on the train split."""
    data = load_demo_data()
    train, test = data[data["split"] == "train"], data[data["split"] == "test"].reset_index(drop=True)
    with threadpool_limits(1):  # several BLAS threads on a shared machine make this fit 20 times slower
        model = make_pipeline(TfidfVectorizer(min_df=2, sublinear_tf=True), LogisticRegression(C=3.0, max_iter=1000))
        model.fit(train[contract.TEXT], train["label"])
        probabilities = model.predict_proba(test[contract.TEXT])
    classes = list(model.classes_)
    probabilities = probabilities[:, [classes.index(label) for label in SENTIMENT_LABELS]]
    scored = test.rename(columns={"label": contract.TRUE_LABEL})
    scored[contract.PREDICTED_LABEL] = np.asarray(SENTIMENT_LABELS)[probabilities.argmax(axis=1)]
    for i, label in enumerate(SENTIMENT_LABELS):
        scored[contract.proba_column(label)] = probabilities[:, i]
    return scored


def split_by_review(scored: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and held-out halves, split by review (sentences of one review stay together)."""
    groups = scored["group_id"].unique()
    picked = set(np.random.default_rng(seed).permutation(groups)[: len(groups) // 2])
    in_reference = scored["group_id"].isin(picked)
    return scored[in_reference].reset_index(drop=True), scored[~in_reference].reset_index(drop=True)


def test_estimate_on_an_in_distribution_held_out_split_is_within_two_points(demo_scored: pd.DataFrame) -> None:
    reference, held_out = split_by_review(demo_scored, seed=0)
    hidden = held_out.drop(columns=contract.TRUE_LABEL)
    result = estimates.estimate_from_predictions(hidden, reference)
    truth = label_codes(held_out[contract.TRUE_LABEL], SENTIMENT_LABELS)
    predicted = label_codes(held_out[contract.PREDICTED_LABEL], SENTIMENT_LABELS)
    accuracy = result.estimate("accuracy")
    assert abs(accuracy.value - accuracy_score(truth, predicted)) <= 0.02
    assert accuracy.low <= accuracy_score(truth, predicted) <= accuracy.high
    assert abs(result.estimate("macro_f1").value - f1_score(truth, predicted, average="macro")) <= 0.03
    assert result.n == len(held_out) and result.n_reference == len(reference)
    assert 0 < result.backtest.accuracy_within < 0.08
    assert result.expected_confusion.sum() == pytest.approx(len(held_out))


def test_estimate_misses_on_news_editorials_where_the_model_is_worse(demo_scored: pd.DataFrame) -> None:
    """Why the drift check matters: on a shifted subset the confidence-based estimate is too kind."""
    reference, held_out = split_by_review(demo_scored, seed=0)
    news = held_out[held_out[contract.CATEGORY] == "News editorials"]
    result = estimates.estimate_from_predictions(news.drop(columns=contract.TRUE_LABEL), reference)
    true_accuracy = (news[contract.TRUE_LABEL] == news[contract.PREDICTED_LABEL]).mean()
    overall_accuracy = (held_out[contract.TRUE_LABEL] == held_out[contract.PREDICTED_LABEL]).mean()
    assert true_accuracy < overall_accuracy - 0.1
    assert result.estimate("accuracy").value > true_accuracy + 0.03


def test_point_estimates_equal_nannymls_cbpe_on_recorded_probabilities() -> None:
    """Oracle: NannyML 0.13.1's multiclass CBPE (chunk_number=1) on these probabilities gave these figures.

    The file holds the demo test split scored by a word TF-IDF + logistic regression model,
    split by review into reference and analysis halves. NannyML was run once in a separate
    virtual environment (it does not install with this project's pins).
    """
    frame = pd.read_parquet(Path(__file__).resolve().parent / "oracles" / "cbpe_oracle_probabilities.parquet")
    proba = frame[[f"proba_{label}" for label in SENTIMENT_LABELS]].to_numpy()
    true, predicted = label_codes(frame["y_true"], SENTIMENT_LABELS), label_codes(frame["y_pred"], SENTIMENT_LABELS)
    ref = frame["is_reference"].to_numpy()
    fitted = estimates.fit_reference(estimates.Reference(proba[ref], true[ref], predicted[ref]), n_boot=20, backtest_splits=2)
    result = estimates.estimate_quality(proba[~ref], predicted[~ref], fitted)
    assert result.estimate("accuracy").value == pytest.approx(0.664767, abs=1e-6)
    assert result.estimate("macro_f1").value == pytest.approx(0.605789, abs=1e-6)
    assert np.mean([result.estimate(f"recall:{label}").value for label in SENTIMENT_LABELS]) == pytest.approx(0.600796, abs=1e-6)
