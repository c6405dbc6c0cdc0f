"""The data contract of an evaluation run: metric names, tag keys, artifact and column names.

Metric names (all logged at step 0):

* headline, as MLflow's default classifier evaluator names them: ``accuracy_score``,
  ``f1_score``, ``precision_score``, ``recall_score`` (weighted averages, as MLflow logs
  them), ``example_count``; plus ``macro_f1_score`` (unweighted mean over classes).
* per class: ``class.<label>.precision`` / ``.recall`` / ``.f1`` / ``.support``.
* per category: ``category.<slug>.accuracy`` / ``.macro_f1`` / ``.example_count``, where
  ``<slug>`` is the category name lower-cased with every run of characters outside
  ``[a-z0-9]`` turned into ``_`` (MLflow allows few characters in names). The original
  names are kept in the JSON artifact ``categories.json`` (slug -> name).
* estimated without true labels (``lib/scoring/estimation.py``, from the model's calibrated
  confidence, see ``lib/quality/estimates.py``): ``estimated_accuracy``,
  ``estimated_macro_f1`` and ``estimated_class.<label>.recall``, each with ``_lower`` and
  ``_upper`` (its 95% interval); ``estimate_backtest_within`` (the 95th percentile of the
  estimate's absolute accuracy error on held-out halves of the reference, a fraction) and
  ``estimate_reference_count`` (labelled reviews calibrated on); ``drift_separability_auc``
  (how well a quick classifier tells these reviews from the reference ones, 0.5 = not at
  all), ``drift_unseen_word_share`` and ``drift_usual_unseen_word_share`` (share of words
  new to the model here and in the reference). Tags ``TAG_ESTIMATE_REFERENCE_RUN``,
  ``TAG_ESTIMATE_METHOD`` and ``TAG_DRIFT_LEVEL`` say what it was calibrated on, how, and
  how different the reviews looked.
* checked by people on a sample (``lib/quality/checks.py``): ``checked_accuracy`` with
  ``checked_accuracy_lower`` / ``_upper`` (95% interval), ``check_sample_size`` (checked
  reviews it rests on) and ``check_population_size`` (scored reviews it speaks for); tag
  ``TAG_CHECK_METHOD`` says how it was computed, ``TAG_CHECK_SAMPLE_SIZE`` and
  ``TAG_CHECK_SAMPLE_SEED`` which sample was proposed.

* stress test (optional, logged into the evaluation run by the Stress test page, see
  ``lib/quality/stress.py``): ``robustness.<change>.flip_rate`` (share of reviews whose
  answer the change broke: flipped, or did not move as it should) and
  ``robustness.<change>.example_count`` (reviews it applied to), for each ``<change>`` of
  ``lib/quality/text_changes.TEXT_CHANGES`` (``typos``, ``lower_case``, ``upper_case``,
  ``punctuation_removed``, ``punctuation_repeated``, ``emoji_added``, ``irrelevant_sentence``,
  ``name_swapped``, ``negation``, ``opposite_clause``, ``intensifier``). The artifact
  ``robustness.parquet`` holds every original/changed pair with both answers, and the tag
  ``sentiment_review.robustness`` (JSON) the sample size, seed and model of the test.

Tags start with ``sentiment_review.`` (see ``TAG_*``). The predictions artifact
``predictions.parquet`` has one row per review with the columns ``PREDICTION_COLUMNS``
plus ``proba_<label>`` per class when the model gives probabilities, plus any other
columns the user kept.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.quality.arrow_text import bytes_and_offsets, contiguous
from lib.quality.metrics import QualityReport

PREDICTIONS_ARTIFACT = "predictions.parquet"
CATEGORIES_ARTIFACT = "categories.json"
ROBUSTNESS_ARTIFACT = "robustness.parquet"
ROBUSTNESS_PREFIX = "robustness."

REVIEW_ID = "review_id"
TEXT = "text"
TRUE_LABEL = "true_label"
PREDICTED_LABEL = "predicted_label"
CATEGORY = "category"
PREDICTION_COLUMNS = (REVIEW_ID, TEXT, TRUE_LABEL, PREDICTED_LABEL, CATEGORY)
PROBA_PREFIX = "proba_"

TAG_PREFIX = "sentiment_review."
TAG_RUN_KIND = TAG_PREFIX + "run_kind"  # "evaluation"
TAG_ROLE = TAG_PREFIX + "role"  # "baseline" marks an experiment's baseline run
TAG_MODEL_URI = TAG_PREFIX + "model_uri"
TAG_MODEL_DESCRIPTION = TAG_PREFIX + "model_description"
TAG_DATASET_NAME = TAG_PREFIX + "dataset_name"
TAG_DATASET_HASH = TAG_PREFIX + "dataset_hash"
# How ``dataset_fingerprint`` hashed: runs from before the tag (scheme "1") hashed each value
# with pandas; their hashes cannot be compared with newer ones, only recomputed from predictions.
TAG_DATASET_HASH_SCHEME = TAG_PREFIX + "dataset_hash_scheme"
DATASET_HASH_SCHEME = "2"
LEGACY_DATASET_HASH_SCHEME = "1"
TAG_LABELS = TAG_PREFIX + "labels"  # JSON list
TAG_COLUMN_MAPPING = TAG_PREFIX + "column_mapping"  # JSON object
TAG_CATEGORY_COLUMN = TAG_PREFIX + "category_column"
TAG_FAILURE = TAG_PREFIX + "failure_reason"  # "interrupted" when its writer died (lib/stores/run_health.py)
TAG_WRITER = TAG_PREFIX + "writer"  # host, process id and process start of whoever created the run
TAG_ROBUSTNESS = TAG_PREFIX + "robustness"  # JSON: sample size, seed and model of the stress test
EXPERIMENT_TAG_SEED_COMPLETE = TAG_PREFIX + "demo_seed_complete"
TAG_ESTIMATE_REFERENCE_RUN = TAG_PREFIX + "estimate_reference_run"  # run id of the labelled run calibrated on
TAG_ESTIMATE_METHOD = TAG_PREFIX + "estimate_method"  # e.g. "cbpe-isotonic"
TAG_DRIFT_LEVEL = TAG_PREFIX + "drift_level"  # "similar", "somewhat different" or "quite different"
TAG_CHECK_METHOD = TAG_PREFIX + "check_method"  # "ppi++" (with the model's confidence) or "sample-only"
TAG_CHECK_SAMPLE_SIZE = TAG_PREFIX + "check_sample_size"  # reviews proposed for checking
TAG_CHECK_SAMPLE_SEED = TAG_PREFIX + "check_sample_seed"

ESTIMATED_PREFIX = "estimated_"
ESTIMATE_BACKTEST_WITHIN = "estimate_backtest_within"
ESTIMATE_REFERENCE_COUNT = "estimate_reference_count"
DRIFT_SEPARABILITY_AUC = "drift_separability_auc"
DRIFT_UNSEEN_WORD_SHARE = "drift_unseen_word_share"
DRIFT_USUAL_UNSEEN_WORD_SHARE = "drift_usual_unseen_word_share"
CHECKED_ACCURACY = "checked_accuracy"
CHECK_SAMPLE_SIZE = "check_sample_size"
CHECK_POPULATION_SIZE = "check_population_size"

RUN_KIND_EVALUATION = "evaluation"
ROLE_BASELINE = "baseline"


def proba_column(label: str) -> str:
    """Name of the probability column of one class in the predictions artifact."""
    return f"{PROBA_PREFIX}{label}"


def estimated_metric_name(metric: str) -> str:
    """Logged name of an estimated figure: ``accuracy`` -> ``estimated_accuracy``, ``recall:<label>`` -> ``estimated_class.<label>.recall``."""
    if metric.startswith("recall:"):
        return f"{ESTIMATED_PREFIX}class.{metric.split(':', 1)[1]}.recall"
    return ESTIMATED_PREFIX + metric


def robustness_metric(change: str, part: str) -> str:
    """Metric name of a stress-test figure: ``robustness.<change>.flip_rate`` or ``.example_count``."""
    return f"{ROBUSTNESS_PREFIX}{change}.{part}"


def category_slug(name: str) -> str:
    """A category name reduced to characters MLflow allows in metric names."""
    slug = re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")
    return slug or "unnamed"


def category_slugs(names: list[str]) -> dict[str, str]:
    """Unique slug per category name (suffixing ``_2``, ``_3`` on collisions), slug -> name."""
    result: dict[str, str] = {}
    for name in names:
        base = category_slug(name)
        slug, i = base, 2
        while slug in result:
            slug, i = f"{base}_{i}", i + 1
        result[slug] = name
    return result


def headline_metrics(report: QualityReport) -> dict[str, float]:
    """Run-level metrics under MLflow's default classifier names, plus per-class ones."""
    overall = report.overall["value"]
    support = np.array([overall[f"support:{label}"] for label in report.labels])
    precision = np.array([overall[f"precision:{label}"] for label in report.labels])
    weights = support / support.sum() if support.sum() else support
    metrics = {
        "accuracy_score": overall["accuracy"],
        "f1_score": overall["weighted_f1"],
        "precision_score": float(np.nansum(np.nan_to_num(precision) * weights)),
        "recall_score": overall["accuracy"],  # weighted recall equals accuracy
        "macro_f1_score": overall["macro_f1"],
        "example_count": float(report.n),
    }
    for label in report.labels:
        for part in ("precision", "recall", "f1", "support"):
            metrics[f"class.{label}.{part}"] = overall[f"{part}:{label}"]
    return {k: float(v) for k, v in metrics.items() if np.isfinite(v)}


def category_metrics(report: QualityReport, slugs: dict[str, str]) -> dict[str, float]:
    """Per-category metrics named ``category.<slug>.<metric>``."""
    by_name = {name: slug for slug, name in slugs.items()}
    groups = report.by_group
    metrics: dict[str, float] = {}
    for metric, suffix in (("accuracy", "accuracy"), ("macro_f1", "macro_f1")):
        rows = groups[groups["metric"] == metric]
        for name, value, n in zip(rows["slice"], rows["value"], rows["n"], strict=True):
            if np.isfinite(value):
                metrics[f"category.{by_name[name]}.{suffix}"] = float(value)
            metrics[f"category.{by_name[name]}.example_count"] = float(n)
    return metrics


def dataset_fingerprint(frame: pd.DataFrame) -> str:
    """Content hash of a dataframe (values as text and column names, row order included)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    for position in range(frame.shape[1]):
        _add_text_column(digest, frame.iloc[:, position])
    return digest.hexdigest()[:16]


def _add_text_column(digest: Any, column: pd.Series) -> None:
    """Feed a column's values as text to ``digest``: each value's length (-1 for a blank), then all their bytes.

    Hashing Arrow's buffers directly: ``hash_pandas_object`` made a Python string of every
    value first (0.26 s for 200,000 reviews; this takes a tenth of that).
    """
    values = contiguous(pa.array(column.astype("string"), from_pandas=True)).cast(pa.large_string())
    digest.update(pc.fill_null(pc.binary_length(values), -1).to_numpy().astype(np.int64).tobytes())
    text, _ = bytes_and_offsets(pc.fill_null(values, ""))
    digest.update(text)
