"""Quality estimated without true labels, from the model's confidence (CBPE, as NannyML does it).

Confidence-based performance estimation (NannyML's ``CBPE`` for multiclass models):

1. **Calibrate** on a *reference*: reviews of the same model that have true labels. Each
   class gets its own one-vs-rest isotonic regression from "probability of this class" to
   "is truly this class", used only when it lowers the expected calibration error on held-out
   folds of the reference (NannyML's ``needs_calibration``); the calibrated probabilities of
   a review are then divided by their sum so they add up to 1.
2. The **expected confusion matrix** of unlabelled reviews: cell (true i, predicted j) is the
   sum, over the reviews the model called j, of their calibrated probability of being i.
3. Accuracy, per-class recall and macro F1 are computed from that matrix exactly as from a
   counted one (``lib.quality.metrics``), which is what NannyML's one-vs-rest estimates are.

The 95% interval adds two uncertainties: that of the calibration (the reference is
resampled and the calibration refitted for every bootstrap replicate, seeded) and that of the
reviews themselves (even perfectly calibrated probabilities leave the realised count of right
answers random: a normal draw of each confusion-matrix column with the sum of the reviews'
categorical covariances). The **back-test** calibrates on one random half of the reference,
estimates the other half and compares with its true figures, over several seeded splits.

The estimate assumes the new reviews resemble the reference: the model's confidence means
the same there (see ``lib.quality.drift`` for how different they look).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedShuffleSplit

from lib.errors import UserFacingError
from lib.quality.metrics import DEFAULT_CONFIDENCE, SENTIMENT_LABELS, Estimate, f1_scores, label_codes
from lib.stores import contract

METHOD = "cbpe-isotonic"  # logged as a tag: NannyML's confidence-based estimation, isotonic calibration
MIN_REFERENCE_REVIEWS = 200
DEFAULT_BOOTSTRAP_SAMPLES = 200
BACKTEST_SPLITS = 20
# Calibration uncertainty is measured on at most this many of the new reviews: it moves the
# estimate of a random subsample as it moves that of all of them, at a fixed cost.
BOOTSTRAP_SUBSAMPLE = 20_000
_ECE_BINS = 10
_ECE_SPLITS = 10


@dataclass(frozen=True)
class ClassCalibration:
    """One class's isotonic map from the model's probability to the calibrated one (identity when empty)."""

    x: np.ndarray
    y: np.ndarray

    def apply(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of this class (clipped at the ends of the fitted range)."""
        return np.interp(scores, self.x, self.y) if len(self.x) else np.asarray(scores, dtype=float)


@dataclass(frozen=True)
class Calibration:
    """Per-class calibration fitted on a labelled reference, in the order of ``labels``."""

    labels: tuple[str, ...]
    classes: tuple[ClassCalibration, ...]
    n_reference: int

    @property
    def calibrated_classes(self) -> tuple[str, ...]:
        """The classes whose probabilities were recalibrated (the others are used as the model gives them)."""
        return tuple(label for label, c in zip(self.labels, self.classes, strict=True) if len(c.x))


@dataclass(frozen=True)
class Reference:
    """Labelled reviews of the model: probabilities (reviews, K), true and predicted label codes."""

    probabilities: np.ndarray
    true_codes: np.ndarray
    predicted_codes: np.ndarray
    labels: tuple[str, ...] = SENTIMENT_LABELS

    def __len__(self) -> int:
        return len(self.true_codes)

    def subset(self, rows: np.ndarray) -> Reference:
        """The reference restricted to (or resampled at) these row positions."""
        return Reference(self.probabilities[rows], self.true_codes[rows], self.predicted_codes[rows], self.labels)


@dataclass(frozen=True)
class Backtest:
    """How far the estimate was from the truth on held-out halves of the reference (estimate minus truth)."""

    accuracy_errors: np.ndarray
    macro_f1_errors: np.ndarray
    half_size: int

    @property
    def accuracy_within(self) -> float:
        """The 95th percentile of the absolute accuracy error: "within ±x" (a fraction, 0.02 = 2 points)."""
        return float(np.quantile(np.abs(self.accuracy_errors), 0.95))

    @property
    def macro_f1_within(self) -> float:
        """The 95th percentile of the absolute macro-F1 error (a fraction)."""
        return float(np.quantile(np.abs(self.macro_f1_errors), 0.95))


@dataclass(frozen=True)
class QualityEstimate:
    """Estimated quality of unlabelled reviews: figures with 95% intervals, the expected confusion matrix, the back-test."""

    labels: tuple[str, ...]
    n: int
    n_reference: int
    expected_confusion: np.ndarray  # (K, K), rows = true label, in expected numbers of reviews
    figures: dict[str, Estimate]  # "accuracy", "macro_f1", "recall:<label>"
    backtest: Backtest
    calibration: Calibration

    def estimate(self, metric: str) -> Estimate:
        """One estimated figure ("accuracy", "macro_f1", "recall:<label>")."""
        return self.figures[metric]


# ---- reading reviews ------------------------------------------------------------------


def has_probabilities(predictions: pd.DataFrame, labels: tuple[str, ...] = SENTIMENT_LABELS) -> bool:
    """True when the predictions artifact holds a probability column for every class."""
    return all(contract.proba_column(label) in predictions for label in labels)


def has_true_labels(predictions: pd.DataFrame) -> bool:
    """True when at least one review of the predictions artifact has a true label."""
    return contract.TRUE_LABEL in predictions and bool(predictions[contract.TRUE_LABEL].notna().any())


def probability_matrix(predictions: pd.DataFrame, labels: tuple[str, ...] = SENTIMENT_LABELS) -> np.ndarray:
    """The class probabilities of a predictions artifact as an array (reviews, K) in the order of ``labels``."""
    return predictions[[contract.proba_column(label) for label in labels]].to_numpy(dtype=float)


def predicted_codes(predictions: pd.DataFrame, labels: tuple[str, ...] = SENTIMENT_LABELS) -> np.ndarray:
    """Position in ``labels`` of each review's predicted label (-1 when missing or unknown)."""
    return label_codes(predictions[contract.PREDICTED_LABEL], labels)


def reference_from_predictions(predictions: pd.DataFrame, labels: tuple[str, ...] = SENTIMENT_LABELS) -> Reference:
    """The labelled reviews of a run's predictions artifact with probabilities, usable as a reference.

    Raises UserFacingError when the run lacks probabilities or has too few labelled reviews.
    """
    if not has_probabilities(predictions, labels):
        raise UserFacingError(
            "The reference run has no class probabilities, so the model's confidence cannot be calibrated on it.",
            "Pick a reference run of the same model that was scored by this app.",
        )
    true = label_codes(predictions[contract.TRUE_LABEL], labels) if contract.TRUE_LABEL in predictions else np.full(len(predictions), -1)
    predicted = predicted_codes(predictions, labels)
    proba = probability_matrix(predictions, labels)
    usable = (true >= 0) & (predicted >= 0) & np.isfinite(proba).all(axis=1)
    if usable.sum() < MIN_REFERENCE_REVIEWS:
        raise UserFacingError(
            f"The reference run has {int(usable.sum()):,} labelled reviews with probabilities; "
            f"at least {MIN_REFERENCE_REVIEWS} are needed to calibrate an estimate.",
            "Pick a reference run of the same model with more labelled reviews.",
        )
    return Reference(proba[usable], true[usable], predicted[usable], tuple(labels))


# ---- calibration ----------------------------------------------------------------------


def _expected_calibration_error(truth: np.ndarray, scores: np.ndarray) -> float:
    """Mean |mean score - share true| over equal-count bins of the sorted scores (NannyML's ECE)."""
    order = np.argsort(scores, kind="stable")
    bins = np.array_split(np.arange(len(scores)), min(_ECE_BINS, max(len(scores) // 2, 1)))
    return float(sum(len(b) * abs(scores[order[b]].mean() - truth[order[b]].mean()) for b in bins) / len(scores))


def _isotonic(scores: np.ndarray, truth: np.ndarray) -> ClassCalibration:
    fitted = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(scores, truth)
    return ClassCalibration(np.asarray(fitted.X_thresholds_, dtype=float), np.asarray(fitted.y_thresholds_, dtype=float))


def _calibration_helps(scores: np.ndarray, truth: np.ndarray) -> bool:
    """NannyML's ``needs_calibration``: isotonic calibration lowers the ECE on held-out folds (seeded)."""
    if len(np.unique(truth)) < 2 or roc_auc_score(truth, scores) > 0.999:
        return False
    folds = StratifiedShuffleSplit(n_splits=_ECE_SPLITS, test_size=0.1, random_state=42).split(scores, truth)
    held_truth, held_raw, held_calibrated = [], [], []
    for train, test in folds:
        held_truth.append(truth[test])
        held_raw.append(scores[test])
        held_calibrated.append(_isotonic(scores[train], truth[train]).apply(scores[test]))
    truth_all = np.concatenate(held_truth)
    return _expected_calibration_error(truth_all, np.concatenate(held_raw)) > _expected_calibration_error(
        truth_all, np.concatenate(held_calibrated)
    )


def fit_calibration(reference: Reference, recalibrate: tuple[bool, ...] | None = None) -> Calibration:
    """Per-class isotonic calibration fitted on the reference.

    ``recalibrate`` says per class whether to calibrate at all; by default it is decided as
    NannyML does (only where it lowers the expected calibration error on held-out folds).
    """
    k = len(reference.labels)
    if recalibrate is None:
        recalibrate = tuple(_calibration_helps(reference.probabilities[:, i], (reference.true_codes == i).astype(float)) for i in range(k))
    identity = ClassCalibration(np.empty(0), np.empty(0))
    classes = tuple(
        _isotonic(reference.probabilities[:, i], (reference.true_codes == i).astype(float)) if recalibrate[i] else identity
        for i in range(k)
    )
    return Calibration(reference.labels, classes, len(reference))


def calibrated_probabilities(probabilities: np.ndarray, calibration: Calibration) -> np.ndarray:
    """Calibrated class probabilities (reviews, K), each row summing to 1 (uniform when all calibrate to 0)."""
    probabilities = np.asarray(probabilities, dtype=float)
    calibrated = np.column_stack([c.apply(probabilities[:, i]) for i, c in enumerate(calibration.classes)])
    total = calibrated.sum(axis=1, keepdims=True)
    uniform = np.full_like(calibrated, 1.0 / calibrated.shape[1])
    return np.divide(calibrated, total, out=uniform, where=total > 0)


def probability_correct(probabilities: np.ndarray, predicted: np.ndarray, calibration: Calibration) -> np.ndarray:
    """Per review, the calibrated probability that the model's answer is right.

    ``probabilities`` is (reviews, K) in the order of ``calibration.labels``; ``predicted`` holds
    the model's answers as codes (positions in the labels, e.g. from ``predicted_codes``).
    The mean of this vector is the estimated accuracy.
    """
    predicted = np.asarray(predicted, dtype=np.int64)
    return calibrated_probabilities(probabilities, calibration)[np.arange(len(predicted)), predicted]


# ---- the estimate ---------------------------------------------------------------------


def expected_confusion(calibrated: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """Expected confusion matrix (K, K), rows = true label: per predicted class, the sum of calibrated probabilities."""
    one_hot = np.zeros((len(predicted), k))
    one_hot[np.arange(len(predicted)), predicted] = 1.0
    return calibrated.T @ one_hot


def confusion_figures(cms: np.ndarray, labels: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Accuracy, macro F1 and recall per class of confusion matrices (..., K, K), counted or expected."""
    cms = np.asarray(cms, dtype=float)
    diagonal = np.diagonal(cms, axis1=-2, axis2=-1)
    total = cms.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        figures = {"accuracy": diagonal.sum(axis=-1) / total, "macro_f1": f1_scores(cms)["macro"]}
        recall = diagonal / cms.sum(axis=-1)
    for i, label in enumerate(labels):
        figures[f"recall:{label}"] = recall[..., i]
    return figures


def _sampling_draws(calibrated: np.ndarray, predicted: np.ndarray, k: int, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Realised confusion matrices (n_draws, K, K) the reviews could have: normal draws per predicted column."""
    draws = np.zeros((n_draws, k, k))
    for j in range(k):
        p = calibrated[predicted == j]
        if not len(p):
            continue
        mean = p.sum(axis=0)
        covariance = np.diag(mean) - p.T @ p
        draws[:, :, j] = rng.multivariate_normal(mean, covariance, size=n_draws, method="eigh", check_valid="ignore")
    return np.clip(draws, 0, None)


def estimate_quality(
    probabilities: np.ndarray,
    predicted: np.ndarray,
    reference: Reference,
    *,
    n_boot: int = DEFAULT_BOOTSTRAP_SAMPLES,
    backtest_splits: int = BACKTEST_SPLITS,
    confidence: float = DEFAULT_CONFIDENCE,
    random_state: int = 0,
) -> QualityEstimate:
    """CBPE estimate of accuracy, macro F1 and recall per class of unlabelled reviews, with intervals and back-test.

    ``probabilities`` (reviews, K) and ``predicted`` (codes) describe the new reviews; reviews
    without a known predicted label or with missing probabilities are left out.
    """
    labels, k = reference.labels, len(reference.labels)
    probabilities = np.asarray(probabilities, dtype=float)
    predicted = np.asarray(predicted, dtype=np.int64)
    usable = (predicted >= 0) & np.isfinite(probabilities).all(axis=1)
    probabilities, predicted = probabilities[usable], predicted[usable]
    n = len(predicted)
    if n == 0:
        raise UserFacingError("No review has both a predicted sentiment and class probabilities.", "Score the file again with the model.")
    calibration = fit_calibration(reference)
    recalibrate = tuple(bool(len(c.x)) for c in calibration.classes)
    calibrated = calibrated_probabilities(probabilities, calibration)
    confusion = expected_confusion(calibrated, predicted, k)
    point = confusion_figures(confusion, labels)

    rng = np.random.default_rng(random_state)
    sub = rng.choice(n, BOOTSTRAP_SUBSAMPLE, replace=False) if n > BOOTSTRAP_SUBSAMPLE else np.arange(n)
    sub_probabilities, sub_predicted = probabilities[sub], predicted[sub]
    sub_point = confusion_figures(expected_confusion(calibrated[sub], sub_predicted, k), labels)
    replicate_cms = np.empty((n_boot, k, k))
    for b in range(n_boot):
        resampled = reference.subset(rng.integers(0, len(reference), len(reference)))
        replicate = calibrated_probabilities(sub_probabilities, fit_calibration(resampled, recalibrate))
        replicate_cms[b] = expected_confusion(replicate, sub_predicted, k)
    calibration_shift = {m: v - sub_point[m] for m, v in confusion_figures(replicate_cms, labels).items()}
    sampling_shift = {m: v - point[m] for m, v in confusion_figures(_sampling_draws(calibrated, predicted, k, n_boot, rng), labels).items()}
    tail = (1 - confidence) / 2
    figures = {}
    for metric, value in point.items():
        samples = value + calibration_shift[metric] + sampling_shift[metric]
        low, high = np.nanquantile(samples, [tail, 1 - tail]) if np.isfinite(samples).any() else (np.nan, np.nan)
        # The interval always holds the estimate (percentiles of skewed replicates could miss it by rounding).
        low, high = np.clip(min(low, value), 0, 1), np.clip(max(high, value), 0, 1)
        figures[metric] = Estimate(float(value), float(low), float(high), n)
    return QualityEstimate(
        labels, n, len(reference), confusion, figures, backtest(reference, n_splits=backtest_splits, random_state=random_state), calibration
    )


def backtest(reference: Reference, *, n_splits: int = BACKTEST_SPLITS, random_state: int = 0) -> Backtest:
    """Calibrate on a random half of the reference, estimate the other half, compare with its truth; per split."""
    k = len(reference.labels)
    rng = np.random.default_rng(random_state + 1)
    half = len(reference) // 2
    accuracy_errors, macro_f1_errors = np.empty(n_splits), np.empty(n_splits)
    for s in range(n_splits):
        order = rng.permutation(len(reference))
        fit_half, held = reference.subset(order[:half]), reference.subset(order[half:])
        calibrated = calibrated_probabilities(held.probabilities, fit_calibration(fit_half))
        estimated = confusion_figures(expected_confusion(calibrated, held.predicted_codes, k), reference.labels)
        counted = np.zeros((k, k))
        np.add.at(counted, (held.true_codes, held.predicted_codes), 1)
        truth = confusion_figures(counted, reference.labels)
        accuracy_errors[s] = estimated["accuracy"] - truth["accuracy"]
        macro_f1_errors[s] = estimated["macro_f1"] - truth["macro_f1"]
    return Backtest(accuracy_errors, macro_f1_errors, len(reference) - half)


def estimate_from_predictions(
    predictions: pd.DataFrame, reference_predictions: pd.DataFrame, *, n_boot: int = DEFAULT_BOOTSTRAP_SAMPLES, random_state: int = 0
) -> QualityEstimate:
    """The CBPE estimate of a run's predictions artifact, calibrated on a labelled reference run's artifact."""
    if not has_probabilities(predictions):
        raise UserFacingError(
            "These predictions have no class probabilities, so the model's confidence cannot be used to estimate its quality.",
            "Score the reviews with a model that gives probabilities (most scikit-learn classifiers do).",
        )
    reference = reference_from_predictions(reference_predictions)
    return estimate_quality(
        probability_matrix(predictions), predicted_codes(predictions), reference, n_boot=n_boot, random_state=random_state
    )
