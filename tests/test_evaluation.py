"""lib/scoring/evaluation.py: scoring helpers and logging an evaluation run into a fresh MLflow store."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.metrics import accuracy_score, f1_score, precision_score

from lib.quality.metrics import SENTIMENT_LABELS
from lib.scoring.evaluation import class_probabilities, log_evaluation_run, predictions_frame
from lib.stores import contract
from lib.stores.tracking import TrackingStore
from tests.conftest import settings_for


@pytest.fixture(scope="module")
def fresh_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrackingStore, str]:
    """An empty embedded store with one experiment (its id returned alongside)."""
    settings = settings_for(tmp_path_factory.mktemp("evaluation_store"))
    store = TrackingStore(settings.tracking_uri)
    experiment_id = store.ensure_experiment("Unit evaluations", artifact_location=settings.artifact_root.as_uri())
    return store, experiment_id


def hand_made_predictions() -> pd.DataFrame:
    """Twelve reviews in three categories, two of whose names share a slug."""
    truth = [
        "negative",
        "negative",
        "neutral",
        "positive",
        "positive",
        "neutral",
        "negative",
        "positive",
        "neutral",
        "positive",
        "negative",
        "positive",
    ]
    predicted = [
        "negative",
        "neutral",
        "neutral",
        "positive",
        "negative",
        "positive",
        "negative",
        "positive",
        "neutral",
        "positive",
        "positive",
        "positive",
    ]
    category = ["Shop A"] * 5 + ["shop-a"] * 4 + ["Tweets & co"] * 3
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(3), size=12)
    frame = pd.DataFrame(
        {
            "review_id": [f"r{i}" for i in range(12)],
            "text": [f"review number {i}" for i in range(12)],
            "true_label": truth,
            "predicted_label": predicted,
            "category": category,
            "stars": list(range(12)),
        }
    )
    for i, label in enumerate(SENTIMENT_LABELS):
        frame[contract.proba_column(label)] = proba[:, i]
    return frame


def test_log_evaluation_run_follows_the_contract(fresh_store: tuple[TrackingStore, str]) -> None:
    store, experiment_id = fresh_store
    frame = hand_made_predictions()
    run_id = log_evaluation_run(
        store,
        experiment_id=experiment_id,
        run_name="Hand-made",
        predictions=frame,
        dataset_name="hand-made reviews",
        dataset_source="hand_made.csv",
        model_uri="models:/some-model/3",
        model_description="A model described in words",
        params={"threshold": 0.5},
        tags={contract.TAG_COLUMN_MAPPING: json.dumps({"body": "text"})},
    )
    run = store.run(run_id)
    assert run.status == "FINISHED" and run.name == "Hand-made"

    dataset_columns = ["review_id", "text", "true_label", "category"]
    digest = contract.dataset_fingerprint(frame[dataset_columns])
    assert run.tags[contract.TAG_RUN_KIND] == contract.RUN_KIND_EVALUATION
    assert run.model_uri == "models:/some-model/3"
    assert run.model_description == "A model described in words"
    assert run.tags[contract.TAG_DATASET_NAME] == "hand-made reviews"
    assert run.dataset_hash == digest
    assert json.loads(run.tags[contract.TAG_LABELS]) == list(SENTIMENT_LABELS)
    assert run.tags[contract.TAG_CATEGORY_COLUMN] == "category"
    assert json.loads(run.tags[contract.TAG_COLUMN_MAPPING]) == {"body": "text"}
    assert contract.TAG_FAILURE not in run.tags
    assert run.params == {"threshold": "0.5"}

    y_true, y_pred = frame["true_label"], frame["predicted_label"]
    assert run.metrics["accuracy_score"] == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-9)
    assert run.metrics["f1_score"] == pytest.approx(f1_score(y_true, y_pred, average="weighted"), abs=1e-9)
    assert run.metrics["precision_score"] == pytest.approx(precision_score(y_true, y_pred, average="weighted"), abs=1e-9)
    assert run.metrics["example_count"] == 12
    assert run.metrics["class.neutral.support"] == 3

    slugs = store.json_artifact(run_id, contract.CATEGORIES_ARTIFACT)
    assert slugs == {"shop_a": "Shop A", "shop_a_2": "shop-a", "tweets_co": "Tweets & co"}
    for slug, name in slugs.items():
        part = frame[frame["category"] == name]
        assert run.metrics[f"category.{slug}.accuracy"] == pytest.approx(accuracy_score(part["true_label"], part["predicted_label"]))
        assert run.metrics[f"category.{slug}.example_count"] == len(part)

    assert set(store.artifact_names(run_id)) == {contract.PREDICTIONS_ARTIFACT, contract.CATEGORIES_ARTIFACT}
    stored = store.predictions(run_id)
    assert stored is not None
    pd.testing.assert_frame_equal(stored, frame, check_dtype=False)

    inputs = MlflowClient(store.tracking_uri).get_run(run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    assert inputs[0].dataset.name == "hand-made reviews" and inputs[0].dataset.digest == digest
    assert {(tag.key, tag.value) for tag in inputs[0].tags} == {("mlflow.data.context", "evaluation")}


def test_run_without_true_labels_logs_only_the_count(fresh_store: tuple[TrackingStore, str]) -> None:
    store, experiment_id = fresh_store
    frame = hand_made_predictions().drop(columns="true_label")
    run_id = log_evaluation_run(
        store, experiment_id=experiment_id, run_name="Unlabelled", predictions=frame, dataset_name="new feedback", dataset_source="new.csv"
    )
    run = store.run(run_id)
    assert run.status == "FINISHED"
    assert run.metrics == {"example_count": 12.0}
    assert store.artifact_names(run_id) == [contract.PREDICTIONS_ARTIFACT]
    assert run.dataset_hash == contract.dataset_fingerprint(frame[["review_id", "text", "category"]])


def test_failure_mid_logging_leaves_a_failed_run_with_the_reason(
    fresh_store: tuple[TrackingStore, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, experiment_id = fresh_store

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "log_dataframe_artifact", disk_full)
    with pytest.raises(OSError, match="disk full"):
        log_evaluation_run(
            store,
            experiment_id=experiment_id,
            run_name="Broken upload",
            predictions=hand_made_predictions(),
            dataset_name="hand-made reviews",
            dataset_source="hand_made.csv",
        )
    broken = [run for run in store.runs(experiment_id) if run.name == "Broken upload"]
    assert len(broken) == 1
    assert broken[0].status == "FAILED" and not broken[0].is_finished
    assert broken[0].tags[contract.TAG_FAILURE] == "OSError: disk full"
    assert store.predictions(broken[0].run_id) is None


def test_failure_in_a_given_running_run_marks_that_run_failed(
    fresh_store: tuple[TrackingStore, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, experiment_id = fresh_store
    run_id = store.start_run(experiment_id, "Started elsewhere", {})
    assert store.run(run_id).status == "RUNNING"

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("store went away")

    monkeypatch.setattr(store, "log_dataset_input", refuse)
    with pytest.raises(RuntimeError):
        log_evaluation_run(
            store,
            experiment_id=experiment_id,
            run_name="Started elsewhere",
            run_id=run_id,
            predictions=hand_made_predictions(),
            dataset_name="d",
            dataset_source="d.csv",
        )
    run = store.run(run_id)
    assert run.status == "FAILED"
    assert run.tags[contract.TAG_FAILURE] == "RuntimeError: store went away"
    assert [r.run_id for r in store.runs(experiment_id) if r.name == "Started elsewhere"] == [run_id]


class ShuffledClassesModel:
    """A model whose classes come in another order than the app's labels."""

    classes_ = np.array(["positive", "negative", "neutral"])

    def predict_proba(self, texts: pd.DataFrame) -> np.ndarray:
        return np.tile([0.7, 0.2, 0.1], (len(texts), 1))


def test_class_probabilities_follow_the_app_label_order() -> None:
    proba = class_probabilities(ShuffledClassesModel(), pd.DataFrame({"text": ["a", "b"]}), SENTIMENT_LABELS)
    assert proba is not None
    np.testing.assert_allclose(proba, [[0.2, 0.1, 0.7], [0.2, 0.1, 0.7]])
    assert class_probabilities(object(), pd.DataFrame({"text": ["a"]}), SENTIMENT_LABELS) is None


def test_predictions_frame_adds_prediction_and_probabilities_without_touching_input() -> None:
    reviews = pd.DataFrame({"review_id": ["a", "b"], "text": ["good", "bad"]}, index=[5, 9])
    frame = predictions_frame(reviews, np.array(["positive", "negative"]), np.array([[0.1, 0.2, 0.7], [0.8, 0.1, 0.1]]))
    assert list(reviews.columns) == ["review_id", "text"]
    assert list(frame[contract.PREDICTED_LABEL]) == ["positive", "negative"]
    assert list(frame["proba_negative"]) == [0.1, 0.8] and list(frame["proba_positive"]) == [0.7, 0.1]
    no_proba = predictions_frame(reviews, np.array(["positive", "negative"]), None)
    assert not any(c.startswith(contract.PROBA_PREFIX) for c in no_proba.columns)


def test_artifacts_land_in_the_data_folder_not_the_working_directory(fresh_store: tuple[TrackingStore, str]) -> None:
    store, experiment_id = fresh_store
    log_evaluation_run(
        store, experiment_id=experiment_id, run_name="Where", predictions=hand_made_predictions(), dataset_name="d", dataset_source="d.csv"
    )
    location = Path(MlflowClient(store.tracking_uri).get_experiment(experiment_id).artifact_location.removeprefix("file://"))
    assert location.name == "artifacts" and location.parent == Path(store.tracking_uri.removeprefix("sqlite:///")).parent
    assert any(location.rglob(contract.PREDICTIONS_ARTIFACT))
