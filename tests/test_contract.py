"""lib/stores/contract.py: metric names and values of an evaluation run, category slugs, dataset fingerprint."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support, precision_score, recall_score

from lib.quality.metrics import SENTIMENT_LABELS, quality_report
from lib.stores import contract
from lib.stores.demo import MODEL_SPECS, SEED_ARTICLE_RUN
from lib.stores.tracking import TrackingStore

MLFLOW_HEADLINE_NAMES = {"accuracy_score", "f1_score", "precision_score", "recall_score", "example_count"}


def labelled(seed: int, n: int = 500, never_predict: str | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.choice(SENTIMENT_LABELS, size=n, p=[0.4, 0.2, 0.4])
    pred = np.where(rng.random(n) < 0.65, truth, rng.choice(SENTIMENT_LABELS, size=n))
    if never_predict:
        pred[pred == never_predict] = "positive" if never_predict != "positive" else "negative"
    category = rng.choice(["Movie reviews", "Tweets", "News editorials"], size=n)
    return pd.DataFrame({"true_label": truth, "predicted_label": pred, "category": category})


# ---- category slugs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Movie reviews", "movie_reviews"),
        ("News & Editorials!", "news_editorials"),
        ("  Tweets  ", "tweets"),
        ("Café/Bar 2024", "caf_bar_2024"),
        ("***", "unnamed"),
        ("", "unnamed"),
        (42, "42"),
    ],
)
def test_category_slug(name: str, slug: str) -> None:
    assert contract.category_slug(name) == slug


def test_category_slugs_are_unique_and_keep_the_names() -> None:
    names = ["A b", "a_b", "A-B", "a b 2", "Ünïcode ✓", "?", "!", "Movie reviews"]
    slugs = contract.category_slugs(names)
    assert list(slugs.values()) == names
    assert len(slugs) == len(names)
    assert all(re.fullmatch(r"[a-z0-9_]+", slug) for slug in slugs)
    assert slugs["a_b"] == "A b" and slugs["a_b_2"] == "a_b" and slugs["a_b_3"] == "A-B"
    assert slugs["unnamed"] == "?" and slugs["unnamed_2"] == "!"
    # A name whose own slug is a suffixed one still gets a slug of its own.
    assert slugs["a_b_2_2"] == "a b 2"


# ---- headline and per-class metrics ----------------------------------------------------


def test_headline_metric_names_follow_mlflow_default_classifier() -> None:
    frame = labelled(0)
    metrics = contract.headline_metrics(quality_report(frame["true_label"], frame["predicted_label"], n_boot=0))
    assert set(metrics) >= MLFLOW_HEADLINE_NAMES | {"macro_f1_score"}
    per_class = {f"class.{label}.{part}" for label in SENTIMENT_LABELS for part in ("precision", "recall", "f1", "support")}
    assert set(metrics) == MLFLOW_HEADLINE_NAMES | {"macro_f1_score"} | per_class
    assert all(isinstance(value, float) for value in metrics.values())


@pytest.mark.parametrize(("seed", "never_predict"), [(0, None), (1, None), (2, "neutral"), (3, "negative")])
def test_headline_metric_values_equal_sklearn_weighted_averages(seed: int, never_predict: str | None) -> None:
    frame = labelled(seed, never_predict=never_predict)
    y_true, y_pred = frame["true_label"], frame["predicted_label"]
    metrics = contract.headline_metrics(quality_report(y_true, y_pred, n_boot=0))
    # sklearn as MLflow's evaluator calls it: weighted averages, an unmeasurable precision counted as 0.
    assert metrics["accuracy_score"] == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-9)
    assert metrics["f1_score"] == pytest.approx(f1_score(y_true, y_pred, average="weighted", zero_division=0), abs=1e-9)
    assert metrics["precision_score"] == pytest.approx(precision_score(y_true, y_pred, average="weighted", zero_division=0), abs=1e-9)
    assert metrics["recall_score"] == pytest.approx(recall_score(y_true, y_pred, average="weighted", zero_division=0), abs=1e-9)
    assert metrics["macro_f1_score"] == pytest.approx(f1_score(y_true, y_pred, average="macro", zero_division=0), abs=1e-9)
    assert metrics["example_count"] == len(frame)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=list(SENTIMENT_LABELS), zero_division=np.nan)
    for i, label in enumerate(SENTIMENT_LABELS):
        assert metrics[f"class.{label}.recall"] == pytest.approx(recall[i], abs=1e-9)
        assert metrics[f"class.{label}.f1"] == pytest.approx(f1[i], abs=1e-9)
        assert metrics[f"class.{label}.support"] == support[i]
        if np.isnan(precision[i]):
            # Never predicted: no number is logged rather than a made-up 0.
            assert f"class.{label}.precision" not in metrics
            assert label == never_predict
        else:
            assert metrics[f"class.{label}.precision"] == pytest.approx(precision[i], abs=1e-9)


def test_category_metrics_equal_sklearn_per_category() -> None:
    frame = labelled(4)
    report = quality_report(frame["true_label"], frame["predicted_label"], groups=frame["category"], n_boot=0)
    slugs = contract.category_slugs(list(report.groups))
    metrics = contract.category_metrics(report, slugs)
    assert set(slugs) == {"movie_reviews", "tweets", "news_editorials"}
    assert set(metrics) == {f"category.{slug}.{part}" for slug in slugs for part in ("accuracy", "macro_f1", "example_count")}
    for slug, name in slugs.items():
        part = frame[frame["category"] == name]
        assert metrics[f"category.{slug}.accuracy"] == pytest.approx(accuracy_score(part["true_label"], part["predicted_label"]), abs=1e-9)
        assert metrics[f"category.{slug}.macro_f1"] == pytest.approx(
            f1_score(part["true_label"], part["predicted_label"], average="macro"), abs=1e-9
        )
        assert metrics[f"category.{slug}.example_count"] == len(part)


def test_headline_metrics_agree_with_mlflow_evaluate_on_the_same_model_and_data(demo_store: TrackingStore) -> None:
    """The demo's baseline run (logged by this app) and the seed-article run (mlflow.models.evaluate of the same model)."""
    experiment = next(e for e in demo_store.experiments() if e.name.startswith("Sentiment demo"))
    runs = {run.name: run for run in demo_store.runs(experiment.experiment_id)}
    ours, mlflows = runs[MODEL_SPECS[0].run_name].metrics, runs[SEED_ARTICLE_RUN].metrics
    assert set(mlflows) >= MLFLOW_HEADLINE_NAMES
    for name in MLFLOW_HEADLINE_NAMES:
        assert ours[name] == pytest.approx(mlflows[name], abs=1e-9), name


# ---- dataset fingerprint ---------------------------------------------------------------


def test_dataset_fingerfingerprintis_stable_and_sensitive() -> None:
    frame = pd.DataFrame({"review_id": ["a", "b", "c"], "text": ["good", "bad", "meh"], "true_label": ["positive", "negative", None]})
    fingerprint = contract.dataset_fingerprint(frame)
    assert re.fullmatch(r"[0-9a-f]{16}", fingerprint)
    assert contract.dataset_fingerprint(frame.copy()) == fingerprint
    assert contract.dataset_fingerprint(frame.set_axis([10, 11, 12])) == fingerprint  # the index is not content
    changed = frame.copy()
    changed.loc[1, "text"] = "bad!"
    assert contract.dataset_fingerprint(changed) != fingerprint
    filled = frame.copy()
    filled.loc[2, "true_label"] = "neutral"
    assert contract.dataset_fingerprint(filled) != fingerprint
    assert contract.dataset_fingerprint(frame.rename(columns={"text": "body"})) != fingerprint
    assert contract.dataset_fingerprint(frame.iloc[::-1]) != fingerprint
    assert contract.dataset_fingerprint(frame.iloc[:2]) != fingerprint
    blank = frame.copy()
    blank.loc[2, "true_label"] = ""  # an empty value is not a missing one
    assert contract.dataset_fingerprint(blank) != fingerprint
    moved = frame.copy()
    moved.loc[0, "text"], moved.loc[1, "text"] = "goodb", "ad"  # the same bytes split otherwise
    assert contract.dataset_fingerprint(moved) != fingerprint
    as_objects = frame.astype(object)
    assert contract.dataset_fingerprint(as_objects) == fingerprint  # the values count, not how pandas stores them


def test_proba_column_name() -> None:
    assert contract.proba_column("neutral") == "proba_neutral"
    assert set(contract.PREDICTION_COLUMNS) == {"review_id", "text", "true_label", "predicted_label", "category"}
