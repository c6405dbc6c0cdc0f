"""lib/scoring/estimation.py: choosing the reference run and logging an estimate, in a real MLflow store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.quality.metrics import SENTIMENT_LABELS
from lib.scoring import estimation
from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.demo import load_demo_data
from lib.stores.tracking import TrackingStore
from tests.conftest import settings_for

MODEL = "models:/unit-model/1"


def scored_reviews(rows: slice, seed: int, labelled: bool) -> pd.DataFrame:
    """Demo texts with calibrated random probabilities; the true label drawn from them when ``labelled``."""
    data = load_demo_data()
    test = data[data["split"] == "test"].iloc[rows].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.full(3, 0.6), size=len(test))
    frame = pd.DataFrame({contract.REVIEW_ID: test["review_id"], contract.TEXT: test["text"], contract.CATEGORY: test["category"]})
    if labelled:
        truth = (rng.random(len(test))[:, None] > proba.cumsum(axis=1)).sum(axis=1)
        frame[contract.TRUE_LABEL] = np.asarray(SENTIMENT_LABELS)[truth]
    frame[contract.PREDICTED_LABEL] = np.asarray(SENTIMENT_LABELS)[proba.argmax(axis=1)]
    for i, label in enumerate(SENTIMENT_LABELS):
        frame[contract.proba_column(label)] = proba[:, i]
    return frame


@pytest.fixture(scope="module")
def store_with_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrackingStore, dict[str, str]]:
    """A fresh store with a labelled reference, an unlabelled run of the same model and a labelled run of another model."""
    settings = settings_for(tmp_path_factory.mktemp("estimation_store"))
    store = TrackingStore(settings.tracking_uri)
    experiment_id = store.ensure_experiment("Estimates", artifact_location=settings.artifact_root.as_uri())

    def logged(name: str, frame: pd.DataFrame, model_uri: str) -> str:
        return log_evaluation_run(
            store,
            experiment_id=experiment_id,
            run_name=name,
            predictions=frame,
            dataset_name=name,
            dataset_source=name,
            model_uri=model_uri,
        )

    runs = {
        "reference": logged("Test split", scored_reviews(slice(0, 2000), 1, labelled=True), MODEL),
        "other model": logged("Other model", scored_reviews(slice(0, 2000), 2, labelled=True), "models:/other/1"),
        "too small": logged("Small labelled", scored_reviews(slice(0, 50), 3, labelled=True), MODEL),
        "unlabelled": logged("Fresh feedback", scored_reviews(slice(2000, 3500), 4, labelled=False), MODEL),
    }
    return store, runs


def test_reference_candidates_are_labelled_runs_of_the_same_model(store_with_runs: tuple[TrackingStore, dict[str, str]]) -> None:
    store, runs = store_with_runs
    unlabelled = store.run(runs["unlabelled"])
    assert [r.run_id for r in estimation.reference_candidates(store, unlabelled)] == [runs["reference"]]
    assert estimation.needs_estimate(store.predictions(runs["unlabelled"]))
    assert not estimation.needs_estimate(store.predictions(runs["reference"]))
    assert not estimation.needs_estimate(store.predictions(runs["unlabelled"]).drop(columns="proba_neutral"))


def test_an_estimate_is_logged_to_the_run_under_the_contracts_names(store_with_runs: tuple[TrackingStore, dict[str, str]]) -> None:
    store, runs = store_with_runs
    predictions = store.predictions(runs["unlabelled"])
    result = estimation.estimate_run(predictions, store.predictions(runs["reference"]), runs["reference"])
    estimation.log_estimate(store, runs["unlabelled"], result)
    run = store.run(runs["unlabelled"])
    assert run.status == "FINISHED"
    accuracy = result.quality.estimate("accuracy")
    assert run.metrics["estimated_accuracy"] == pytest.approx(accuracy.value)
    assert run.metrics["estimated_accuracy_lower"] == pytest.approx(accuracy.low)
    assert run.metrics["estimated_accuracy_upper"] == pytest.approx(accuracy.high)
    assert run.metrics["estimated_macro_f1"] == pytest.approx(result.quality.estimate("macro_f1").value)
    for label in SENTIMENT_LABELS:
        assert run.metrics[f"estimated_class.{label}.recall"] == pytest.approx(result.quality.estimate(f"recall:{label}").value)
        assert f"estimated_class.{label}.recall_upper" in run.metrics
    assert run.metrics[contract.ESTIMATE_REFERENCE_COUNT] == 2000
    assert 0 < run.metrics[contract.ESTIMATE_BACKTEST_WITHIN] < 0.1
    assert run.metrics[contract.DRIFT_SEPARABILITY_AUC] == pytest.approx(result.drift.separability)
    assert estimation.logged_reference(run) == runs["reference"]
    assert run.tags[contract.TAG_ESTIMATE_METHOD] == "cbpe-isotonic"
    assert run.tags[contract.TAG_DRIFT_LEVEL] == result.drift.level
    # Probabilities were drawn calibrated, so the expected accuracy is the mean top probability.
    proba = predictions[[contract.proba_column(label) for label in SENTIMENT_LABELS]].to_numpy()
    assert accuracy.value == pytest.approx(proba.max(axis=1).mean(), abs=0.03)
