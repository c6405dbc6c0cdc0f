"""Scoring reviews with a model and logging the result as an evaluation run."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from lib import contract
from lib.metrics import SENTIMENT_LABELS, quality_report
from lib.tracking import TrackingStore

ProgressCallback = Callable[[int, int], None]


def class_probabilities(model: Any, texts: pd.DataFrame, labels: tuple[str, ...]) -> np.ndarray | None:
    """Probabilities per class in the order of ``labels``, or None when the model has none."""
    if not hasattr(model, "predict_proba"):
        return None
    proba = np.asarray(model.predict_proba(texts), dtype=float)
    classes = [str(c) for c in getattr(model, "classes_", labels)]
    return proba[:, [classes.index(label) for label in labels]]


def predictions_frame(
    reviews: pd.DataFrame,
    predicted: np.ndarray,
    proba: np.ndarray | None,
    labels: tuple[str, ...] = SENTIMENT_LABELS,
) -> pd.DataFrame:
    """The predictions artifact: the review columns plus predicted label and probabilities."""
    frame = reviews.copy()
    frame[contract.PREDICTED_LABEL] = pd.Series(predicted, index=frame.index).astype("string")
    if proba is not None:
        for i, label in enumerate(labels):
            frame[contract.proba_column(label)] = proba[:, i]
    return frame


def log_evaluation_run(
    store: TrackingStore,
    *,
    experiment_id: str,
    run_name: str,
    predictions: pd.DataFrame,
    dataset_name: str,
    dataset_source: str,
    model_uri: str = "",
    model_description: str = "",
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    run_id: str | None = None,
    labels: tuple[str, ...] = SENTIMENT_LABELS,
) -> str:
    """Log metrics, predictions, dataset input and tags of an evaluation; returns the run id.

    With ``run_id`` the values go into that (RUNNING) run, else a new run is created.
    The run is FINISHED only when everything was logged; on any error it is FAILED.
    """
    has_truth = contract.TRUE_LABEL in predictions and predictions[contract.TRUE_LABEL].notna().any()
    has_category = contract.CATEGORY in predictions
    dataset_columns = [c for c in (contract.REVIEW_ID, contract.TEXT, contract.TRUE_LABEL, contract.CATEGORY) if c in predictions]
    dataset = predictions[dataset_columns]
    digest = contract.dataset_fingerprint(dataset)
    run_tags = {
        contract.TAG_RUN_KIND: contract.RUN_KIND_EVALUATION,
        contract.TAG_MODEL_URI: model_uri,
        contract.TAG_MODEL_DESCRIPTION: model_description,
        contract.TAG_DATASET_NAME: dataset_name,
        contract.TAG_DATASET_HASH: digest,
        contract.TAG_LABELS: json.dumps(list(labels)),
        **({contract.TAG_CATEGORY_COLUMN: contract.CATEGORY} if has_category else {}),
        **dict(tags or {}),
    }
    if run_id is None:
        run_id = store.start_run(experiment_id, run_name, run_tags)
    try:
        metrics: dict[str, float] = {"example_count": float(len(predictions))}
        slugs: dict[str, str] = {}
        if has_truth:
            groups = predictions[contract.CATEGORY] if has_category else None
            report = quality_report(
                predictions[contract.TRUE_LABEL], predictions[contract.PREDICTED_LABEL], labels=labels, groups=groups, n_boot=0
            )
            metrics = contract.headline_metrics(report)
            if has_category:
                slugs = contract.category_slugs(list(report.slices[1:]))
                metrics.update(contract.category_metrics(report, slugs))
        store.log_values(run_id, metrics, params=params, tags=run_tags)
        store.log_dataframe_artifact(run_id, predictions, contract.PREDICTIONS_ARTIFACT)
        if slugs:
            store.log_json_artifact(run_id, slugs, contract.CATEGORIES_ARTIFACT)
        store.log_dataset_input(
            run_id,
            dataset,
            name=dataset_name,
            digest=digest,
            source=dataset_source,
            targets=contract.TRUE_LABEL if has_truth else None,
        )
        store.finish_run(run_id)
    except BaseException as error:
        store.fail_run(run_id, f"{type(error).__name__}: {error}")
        raise
    return run_id
