"""Estimating the quality of a run without true labels, and logging the estimate to it.

The reference is a labelled run of the same model (same model URI): by default the newest
one with enough labelled reviews and class probabilities, the demo's test-split run for the
demo models. The estimate (``lib/quality/estimates.py``) and the drift check
(``lib/quality/drift.py``) are logged under the names documented in ``lib/stores/contract.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from lib.quality import drift, estimates
from lib.quality.drift import DriftReport
from lib.quality.estimates import QualityEstimate
from lib.stores import contract
from lib.stores.tracking import RunSummary, TrackingStore


@dataclass(frozen=True)
class RunEstimate:
    """What can be said of an unlabelled run's quality: the estimate, and how different its reviews look."""

    quality: QualityEstimate
    drift: DriftReport
    reference_run_id: str


def needs_estimate(predictions: pd.DataFrame | None) -> bool:
    """True for predictions without any true label but with class probabilities: the runs quality is estimated for."""
    return predictions is not None and not estimates.has_true_labels(predictions) and estimates.has_probabilities(predictions)


def reference_candidates(store: TrackingStore, run: RunSummary) -> list[RunSummary]:
    """Labelled FINISHED evaluation runs of the same model as ``run`` (itself excluded), newest first; callers check access.

    Only runs this app logged (tagged as evaluations) qualify: they hold the predictions with
    probabilities that calibration needs; ``mlflow.models.evaluate`` runs do not.
    """
    found = store.labelled_runs_of_model(run.model_uri)
    return [
        r
        for r in found
        if r.run_id != run.run_id
        and r.tags.get(contract.TAG_RUN_KIND) == contract.RUN_KIND_EVALUATION
        and r.metrics.get("example_count", 0) >= estimates.MIN_REFERENCE_REVIEWS
    ]


def estimate_run(
    predictions: pd.DataFrame,
    reference_predictions: pd.DataFrame,
    reference_run_id: str,
    model: Any | None = None,
    *,
    random_state: int = 0,
) -> RunEstimate:
    """The CBPE estimate of unlabelled predictions and the drift check against the reference's reviews.

    ``model`` is the fitted scikit-learn model when at hand: its word vocabulary then says
    which words it never saw.
    """
    quality = estimates.estimate_from_predictions(predictions, reference_predictions, random_state=random_state)
    reference = reference_predictions[reference_predictions[contract.TRUE_LABEL].notna()]
    vocabulary = drift.model_vocabulary(model) if model is not None else None
    report = drift.compare(predictions, reference, vocabulary=vocabulary, random_state=random_state)
    return RunEstimate(quality, report, reference_run_id)


def estimate_metrics(result: RunEstimate) -> dict[str, float]:
    """The metrics logged for an estimate (names in ``lib/stores/contract.py``)."""
    metrics: dict[str, float] = {}
    for metric, figure in result.quality.figures.items():
        name = contract.estimated_metric_name(metric)
        for suffix, value in (("", figure.value), ("_lower", figure.low), ("_upper", figure.high)):
            if pd.notna(value):
                metrics[name + suffix] = float(value)
    metrics[contract.ESTIMATE_BACKTEST_WITHIN] = result.quality.backtest.accuracy_within
    metrics[contract.ESTIMATE_REFERENCE_COUNT] = float(result.quality.n_reference)
    metrics[contract.DRIFT_UNSEEN_WORD_SHARE] = result.drift.unseen_new
    metrics[contract.DRIFT_USUAL_UNSEEN_WORD_SHARE] = result.drift.unseen_usual
    if result.drift.separability is not None:
        metrics[contract.DRIFT_SEPARABILITY_AUC] = result.drift.separability
    return {name: value for name, value in metrics.items() if pd.notna(value)}


def estimate_tags(result: RunEstimate) -> dict[str, str]:
    """The tags logged for an estimate: reference run, method, drift level."""
    return {
        contract.TAG_ESTIMATE_REFERENCE_RUN: result.reference_run_id,
        contract.TAG_ESTIMATE_METHOD: estimates.METHOD,
        contract.TAG_DRIFT_LEVEL: result.drift.level,
    }


def log_estimate(store: TrackingStore, run_id: str, result: RunEstimate) -> None:
    """Record the estimate in the run (metrics and tags), so MLflow and every page show it."""
    store.log_values(run_id, estimate_metrics(result), tags=estimate_tags(result))


def logged_reference(run: RunSummary) -> str:
    """The reference run id an estimate already logged in ``run`` was calibrated on, or an empty string."""
    return run.tags.get(contract.TAG_ESTIMATE_REFERENCE_RUN, "")
