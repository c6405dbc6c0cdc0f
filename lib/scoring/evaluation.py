"""Scoring reviews with a model and logging the result as an evaluation run."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lib.access.redaction import redacted
from lib.errors import UserFacingError
from lib.quality.distinct import distinct_codes
from lib.quality.metrics import OVERALL, SENTIMENT_LABELS, group_codes_of, label_codes, quality_report
from lib.scoring.batches import answers
from lib.scoring.uploads import ColumnGuess, DropReport, UploadedTable
from lib.stores import contract
from lib.stores.tracking import LoadedModel, RunSummary, TrackingStore

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
    dataset_hash: str | None = None,
) -> str:
    """Log metrics, predictions, dataset input and tags of an evaluation; returns the run id.

    With ``run_id`` the values go into that (RUNNING) run, else a new run is created once the
    metrics are computed. The run is FINISHED only when everything was logged; on any error
    it is FAILED, and a process killed midway leaves it to ``lib.stores.run_health`` to mark.
    ``dataset_hash`` saves hashing the reviews again when the caller has it already.
    """
    has_truth = contract.TRUE_LABEL in predictions and predictions[contract.TRUE_LABEL].notna().any()
    has_category = contract.CATEGORY in predictions
    dataset_columns = [c for c in (contract.REVIEW_ID, contract.TEXT, contract.TRUE_LABEL, contract.CATEGORY) if c in predictions]
    dataset = predictions[dataset_columns]
    digest = dataset_hash or contract.dataset_fingerprint(dataset)
    run_tags = {
        contract.TAG_RUN_KIND: contract.RUN_KIND_EVALUATION,
        contract.TAG_MODEL_URI: model_uri,
        contract.TAG_MODEL_DESCRIPTION: model_description,
        contract.TAG_DATASET_NAME: dataset_name,
        contract.TAG_DATASET_HASH: digest,
        contract.TAG_DATASET_HASH_SCHEME: contract.DATASET_HASH_SCHEME,
        contract.TAG_LABELS: json.dumps(list(labels)),
        **({contract.TAG_CATEGORY_COLUMN: contract.CATEGORY} if has_category else {}),
        **dict(tags or {}),
    }
    with store.failing_on_error(run_id):
        metrics, slugs = _evaluation_metrics(predictions, labels)
    # Everything is computed before the run exists, so it is RUNNING only while being written.
    if run_id is None:
        run_id = store.start_run(experiment_id, run_name, run_tags)
    with store.failing_on_error(run_id):
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
    return run_id


def _evaluation_metrics(predictions: pd.DataFrame, labels: tuple[str, ...]) -> tuple[dict[str, float], dict[str, str]]:
    """The run's metrics, and category slug -> name when it has categories (see lib/stores/contract.py)."""
    if contract.TRUE_LABEL not in predictions or predictions[contract.TRUE_LABEL].isna().all():
        return {"example_count": float(len(predictions))}, {}
    groups = predictions.get(contract.CATEGORY)
    report = quality_report(predictions[contract.TRUE_LABEL], predictions[contract.PREDICTED_LABEL], labels=labels, groups=groups, n_boot=0)
    metrics = contract.headline_metrics(report)
    if groups is None:
        return metrics, {}
    slugs = contract.category_slugs(list(report.groups))
    return metrics | contract.category_metrics(report, slugs), slugs


# ---- scoring an uploaded file ----------------------------------------------------------


def upload_run_details(
    table: UploadedTable, dropped: DropReport, columns: ColumnGuess, label_mapping: Mapping[str, str | None]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The params and tags of an uploaded file's evaluation run: its origin, what was left out, how columns and labels were read."""
    params = {
        "source_file": table.file_name,
        "sheet": table.sheet or "",
        "encoding": table.encoding or "",
        "delimiter": table.delimiter or "",
        "rows_in_file": dropped.rows_in_file,
        "rows_left_out": dropped.rows_in_file - dropped.kept,
        "repeated_rows": dropped.duplicates,
        "repeated_rows_left_out": dropped.duplicates_dropped,
        "label_mapping": json.dumps(dict(label_mapping) if columns.label else {}, ensure_ascii=False),
    }
    column_mapping = {contract.TEXT: columns.text, contract.TRUE_LABEL: columns.label, contract.CATEGORY: columns.category}
    tags = {contract.TAG_COLUMN_MAPPING: json.dumps({k: v for k, v in column_mapping.items() if v}, ensure_ascii=False)}
    return params, tags


MIN_BATCH_SIZE = 1_000
MAX_BATCH_SIZE = 20_000
PROGRESS_STEPS = 25
ScoringProgress = Callable[[int, int, float], None]  # (reviews scored, reviews in all, seconds so far)
_DATASET_COLUMNS = (contract.REVIEW_ID, contract.TEXT, contract.TRUE_LABEL, contract.CATEGORY)


@dataclass(frozen=True)
class Scores:
    """A model's answers for reviews, in their order: labels, and probabilities per class when it has them."""

    predicted: np.ndarray
    proba: np.ndarray | None  # shape (reviews, labels), columns in the order of the labels


def _predicted_codes(answer: Any, n: int, labels: tuple[str, ...]) -> np.ndarray:
    """Positions in ``labels`` of a ``predict`` answer (array, list, Series or one-column frame)."""
    values = np.asarray(answer.iloc[:, 0] if isinstance(answer, pd.DataFrame) else answer)
    if values.ndim != 1 or len(values) != n:
        raise UserFacingError(
            f"The model gave answers of shape {values.shape} for {n:,} reviews, not one sentiment per review.",
            "Pick a model that takes review text and answers negative, neutral or positive.",
        )
    codes = label_codes(pd.Series(values.astype(str)), labels)
    if (codes < 0).any():
        raise _foreign_labels(sorted(set(values[codes < 0].astype(str)))[:5], labels)
    return codes


def _foreign_labels(found: list[str], labels: tuple[str, ...]) -> UserFacingError:
    return UserFacingError(
        f"The model answers with labels other than {', '.join(labels)}: {', '.join(found)}.",
        "Pick a model trained to predict negative, neutral or positive sentiment.",
    )


def batch_size_for(reviews: int) -> int:
    """Reviews per batch: about ``PROGRESS_STEPS`` progress updates, within sensible bounds."""
    return int(np.clip(reviews // PROGRESS_STEPS, MIN_BATCH_SIZE, MAX_BATCH_SIZE))


def score_in_batches(
    model: LoadedModel,
    texts: pd.Series,
    labels: tuple[str, ...] = SENTIMENT_LABELS,
    *,
    batch_size: int | None = None,
    on_progress: ScoringProgress | None = None,
) -> Scores:
    """The model's answers for every text, batch by batch, calling ``on_progress`` after each batch.

    Each distinct text is scored once and its answer given to every review repeating it
    (feedback exports repeat short texts: "Great", "Thanks!"); progress counts distinct texts.
    With ``predict_proba`` (and ``classes_``) the predicted label is the most probable class,
    which is what ``predict`` returns for logistic regression and most classifiers; the model
    is then asked once per text, not twice. Otherwise ``predict`` gives the labels (pyfunc models).
    Without ``batch_size``, batches are sized for about ``PROGRESS_STEPS`` progress updates.
    Large files are scored on every core (``lib/scoring/batches.py``).
    """
    started = time.perf_counter()
    estimator = model.model
    repeats, distinct = distinct_codes(texts)
    n = len(distinct)
    batch_size = batch_size or batch_size_for(n)
    classes = [str(c) for c in estimator.classes_] if hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_") else []
    if set(classes) - set(labels):
        raise _foreign_labels(sorted(set(classes) - set(labels))[:5], labels)
    positions = np.array([labels.index(c) for c in classes], dtype=np.int64)
    codes = np.empty(n, dtype=np.int64)
    proba = np.zeros((n, len(labels))) if classes else None
    batches = answers(estimator, model.uri, model.input_column, distinct, batch_size, with_proba=proba is not None)
    with contextlib.closing(batches):  # stopping early (an error, a cancelled page) drops the queued batches
        for start, answer in batches:
            size = min(batch_size, n - start)
            end = start + size
            if proba is not None:
                answer = np.asarray(answer, dtype=float)
                if answer.shape != (size, len(classes)):
                    raise UserFacingError(
                        f"The model gave probabilities of shape {answer.shape} for {size:,} reviews and {len(classes)} classes.",
                        "Pick a model that takes review text as its input.",
                    )
                proba[start:end, positions] = answer
                codes[start:end] = positions[answer.argmax(axis=1)]
            else:
                codes[start:end] = _predicted_codes(answer, size, labels)
            if on_progress is not None:
                on_progress(end, n, time.perf_counter() - started)
    return Scores(np.asarray(labels, dtype=object)[codes[repeats]], None if proba is None else proba[repeats])


def evaluation_dataset_hash(reviews: pd.DataFrame) -> str:
    """The content hash ``log_evaluation_run`` tags an evaluation of these reviews with."""
    return contract.dataset_fingerprint(reviews[[c for c in _DATASET_COLUMNS if c in reviews]])


def existing_evaluation(store: TrackingStore, dataset_hash: str, model_uri: str) -> RunSummary | None:
    """The newest FINISHED evaluation of the reviews with this ``evaluation_dataset_hash`` by this model, if any."""
    # Only the newest: MLflow reads every metric and tag of each run it returns (0.3 s for ten).
    found = store.finished_runs_tagged({contract.TAG_DATASET_HASH: dataset_hash, contract.TAG_MODEL_URI: model_uri}, limit=1)
    return found[0] if found else None


def evaluate_reviews(
    store: TrackingStore,
    model: LoadedModel,
    reviews: pd.DataFrame,
    *,
    experiment_id: str,
    run_name: str,
    dataset_name: str,
    model_description: str = "",
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    batch_size: int | None = None,
    on_progress: ScoringProgress | None = None,
    dataset_hash: str | None = None,
) -> str:
    """Score reviews with a loaded model and log them as an evaluation run; returns the run id.

    A run is created only once scoring has finished, so a process killed midway leaves
    nothing behind. When the model itself fails, a FAILED run records the reason and a
    UserFacingError says so; a failure while logging leaves the run FAILED too.
    ``dataset_hash`` (``evaluation_dataset_hash`` of the reviews) saves hashing them again.
    """
    dataset_hash = dataset_hash or evaluation_dataset_hash(reviews)
    try:
        scores = score_in_batches(model, reviews[contract.TEXT], batch_size=batch_size, on_progress=on_progress)
    except UserFacingError:
        raise
    except Exception as error:
        reason = redacted(f"{type(error).__name__}: {error}")
        failed_tags = {
            contract.TAG_RUN_KIND: contract.RUN_KIND_EVALUATION,
            contract.TAG_MODEL_URI: model.uri,
            contract.TAG_DATASET_NAME: dataset_name,
            contract.TAG_DATASET_HASH: dataset_hash,
            **dict(tags or {}),
        }
        store.fail_run(store.start_run(experiment_id, run_name, failed_tags), reason)
        raise UserFacingError(
            f"The model stopped with an error while scoring the reviews ({reason[:300]}).",
            "No result was saved; the attempt is recorded as a failed run. Try another model, or ask whoever trained this one.",
        ) from error
    try:
        return log_evaluation_run(
            store,
            experiment_id=experiment_id,
            run_name=run_name,
            predictions=predictions_frame(reviews, scores.predicted, scores.proba),
            dataset_name=dataset_name,
            dataset_source=dataset_name,
            model_uri=model.uri,
            model_description=model_description,
            params=params,
            tags=tags,
            dataset_hash=dataset_hash,
        )
    except UserFacingError:
        raise
    except Exception as error:
        raise UserFacingError(
            f"Saving the evaluation to MLflow failed ({redacted(f'{type(error).__name__}: {error}')[:300]}).",
            "The run is marked as failed, so it is not shown as a result. Try again, or check the tracking store.",
        ) from error


def prediction_distribution(predictions: pd.DataFrame, labels: tuple[str, ...] = SENTIMENT_LABELS) -> pd.DataFrame:
    """Reviews per predicted sentiment, for all reviews then per category: columns group, overall, sentiment, reviews, share.

    ``overall`` is True on the rows of all reviews (titled "All reviews" in ``group``, which a category may be called too).
    """
    k = len(labels)
    sentiment = label_codes(predictions[contract.PREDICTED_LABEL], labels)
    names, codes = [OVERALL], np.zeros(len(predictions), dtype=np.int64)
    if contract.CATEGORY in predictions:
        category_names, category_codes = group_codes_of(predictions[contract.CATEGORY])
        names, codes = names + category_names, np.concatenate([codes, category_codes + 1])
        sentiment = np.concatenate([sentiment, sentiment])
    known = sentiment >= 0
    counts = np.bincount(codes[known] * k + sentiment[known], minlength=len(names) * k).reshape(len(names), k)
    totals = counts.sum(axis=1, keepdims=True)
    return pd.DataFrame(
        {
            "group": np.repeat(names, k),
            "overall": np.repeat(np.arange(len(names)) == 0, k),
            "sentiment": np.tile(labels, len(names)),
            "reviews": counts.ravel(),
            "share": (counts / np.where(totals > 0, totals, 1)).ravel(),
        }
    )
