"""lib/scoring/several_models.py: one file, several models, one run each in a real MLflow store."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib.errors import UserFacingError
from lib.scoring.evaluation import evaluation_dataset_hash
from lib.scoring.several_models import ModelToEvaluate, evaluate_with_models
from lib.stores import contract
from lib.stores.tracking import LoadedModel, TrackingStore
from tests.conftest import settings_for
from tests.test_scoring import BrokenModel, WordModel


class NeutralModel(WordModel):
    """Calls every review neutral."""

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        self.batches.append(len(frame))
        return np.tile([0.1, 0.1, 0.8], (len(frame), 1))


@pytest.fixture
def store_and_experiment(tmp_path: Path) -> tuple[TrackingStore, str]:
    settings = settings_for(tmp_path)
    store = TrackingStore(settings.tracking_uri)
    return store, store.ensure_experiment("Several models", artifact_location=settings.artifact_root.as_uri())


def labelled_reviews(n: int) -> pd.DataFrame:
    words = ["good", "bad", "so so"]
    return pd.DataFrame(
        {
            contract.REVIEW_ID: [str(i + 1) for i in range(n)],
            contract.TEXT: [f"{words[i % 3]} review {i}" for i in range(n)],
            contract.TRUE_LABEL: [["positive", "negative", "neutral"][i % 3] for i in range(n)],
        }
    ).astype("string")


def test_each_model_gets_its_own_run_linked_by_one_dataset_hash(store_and_experiment: tuple[TrackingStore, str]) -> None:
    store, experiment_id = store_and_experiment
    reviews = labelled_reviews(3000)
    calls: list[tuple[int, int, int, str]] = []
    run_ids = evaluate_with_models(
        store,
        [
            ModelToEvaluate(LoadedModel(WordModel(), "fake:/words"), "words"),
            ModelToEvaluate(LoadedModel(NeutralModel(), "fake:/neutral"), "neutral"),
        ],
        reviews,
        experiment_id=experiment_id,
        dataset_name="feedback.csv",
        on_progress=lambda position, done, total, seconds: calls.append((position, done, total, threading.current_thread().name)),
    )
    runs = [store.run(run_id) for run_id in run_ids]
    assert [run.model_uri for run in runs] == ["fake:/words", "fake:/neutral"] and all(run.is_finished for run in runs)
    assert {run.dataset_hash for run in runs} == {evaluation_dataset_hash(reviews)}
    assert runs[0].metrics["accuracy_score"] == pytest.approx(1.0) and runs[1].metrics["accuracy_score"] == pytest.approx(1 / 3)
    assert {position for position, *_ in calls} == {0, 1}
    assert all(done == total for position, done, total, _ in calls if done == calls[-1][2]) and max(c[1] for c in calls) == 3000
    assert {name for *_, name in calls} == {threading.current_thread().name}, "progress is reported from the calling thread"


def test_a_failing_model_says_so_and_the_other_models_run_is_kept(store_and_experiment: tuple[TrackingStore, str]) -> None:
    store, experiment_id = store_and_experiment
    with pytest.raises(UserFacingError) as caught:
        evaluate_with_models(
            store,
            [
                ModelToEvaluate(LoadedModel(WordModel(), "fake:/words"), "words"),
                ModelToEvaluate(LoadedModel(BrokenModel(), "fake:/broken"), "broken"),
            ],
            labelled_reviews(3000),
            experiment_id=experiment_id,
            dataset_name="feedback.csv",
        )
    assert "The model stopped with an error while scoring the reviews" in caught.value.message
    assert caught.value.message.endswith("The run of the other model is saved.")
    runs = {run.model_uri: run for run in store.runs(experiment_id)}
    assert runs["fake:/words"].is_finished and runs["fake:/broken"].status == "FAILED"


def test_one_failing_model_alone_gives_the_models_own_message(store_and_experiment: tuple[TrackingStore, str]) -> None:
    store, experiment_id = store_and_experiment
    with pytest.raises(UserFacingError) as caught:
        evaluate_with_models(
            store,
            [ModelToEvaluate(LoadedModel(BrokenModel(), "fake:/broken"), "broken")],
            labelled_reviews(3000),
            experiment_id=experiment_id,
            dataset_name="feedback.csv",
        )
    assert "saved" not in caught.value.message
