"""Scoring an uploaded file in lib/scoring/evaluation.py: batches, progress, model kinds, failures, duplicates."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from lib.config import Settings
from lib.errors import UserFacingError
from lib.quality.metrics import NO_CATEGORY, OVERALL, SENTIMENT_LABELS
from lib.scoring import batches, evaluation
from lib.scoring.evaluation import (
    evaluate_reviews,
    evaluation_dataset_hash,
    existing_evaluation,
    prediction_distribution,
    score_in_batches,
    upload_run_details,
)
from lib.scoring.uploads import ColumnGuess, apply_mapping, guess_columns, propose_label_mapping, read_upload
from lib.stores import contract
from lib.stores.tracking import LoadedModel, TrackingStore
from tests.private_store import private_copy

DATA = Path(__file__).resolve().parent / "data"
CHAMPION = "models:/sentiment-demo-classifier/1"


class WordModel:
    """Says positive for 'good', negative for 'bad', else neutral; classes in another order than the app's."""

    classes_ = np.array(["positive", "negative", "neutral"])

    def __init__(self) -> None:
        self.batches: list[int] = []

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        self.batches.append(len(frame))
        text = frame["text"].astype(str)
        good, bad = text.str.contains("good").to_numpy(), text.str.contains("bad").to_numpy()
        proba = np.tile([0.2, 0.2, 0.6], (len(frame), 1))
        proba[good] = [0.7, 0.1, 0.2]
        proba[bad] = [0.1, 0.8, 0.1]
        return proba


class PredictOnlyModel:
    """A pyfunc-like model: labels only, as a one-column frame, from its own input column."""

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"answer": np.where(frame["review"].str.contains("good"), "positive", "negative")})


class BrokenModel(WordModel):
    """Works for the first batch, then crashes the way a real model might."""

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        if self.batches:
            raise RuntimeError("CUDA out of memory on batch 2")
        return super().predict_proba(frame)


def texts(n: int) -> pd.Series:
    return pd.Series([("good" if i % 3 == 0 else "bad" if i % 3 == 1 else "so so") + f" review {i}" for i in range(n)], dtype="string")


def test_scores_in_batches_reporting_progress_after_each() -> None:
    model = WordModel()
    calls: list[tuple[int, int, float]] = []
    scores = score_in_batches(LoadedModel(model, "fake"), texts(2500), batch_size=1000, on_progress=lambda *call: calls.append(call))
    assert model.batches == [1000, 1000, 500]
    assert [(done, total) for done, total, _ in calls] == [(1000, 2500), (2000, 2500), (2500, 2500)]
    elapsed = [seconds for _, _, seconds in calls]
    assert elapsed == sorted(elapsed) and elapsed[0] >= 0
    assert list(scores.predicted[:3]) == ["positive", "negative", "neutral"]
    assert scores.proba is not None and scores.proba.shape == (2500, 3)
    # columns follow the app's label order (negative, neutral, positive), not the model's
    np.testing.assert_allclose(scores.proba[:3], [[0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [0.2, 0.6, 0.2]])


def test_each_distinct_text_is_scored_once_and_its_answer_shared_by_repeats() -> None:
    model = WordModel()
    calls: list[tuple[int, int]] = []
    repeated = pd.Series(["good one", "bad one", "good one", "meh", "good one", "bad one"], dtype="string")
    scores = score_in_batches(
        LoadedModel(model, "fake"), repeated, batch_size=2, on_progress=lambda done, total, _: calls.append((done, total))
    )
    assert model.batches == [2, 1]
    assert calls == [(2, 3), (3, 3)]
    assert list(scores.predicted) == ["positive", "negative", "positive", "neutral", "positive", "negative"]
    assert scores.proba is not None and scores.proba.shape == (6, 3)
    np.testing.assert_array_equal(scores.proba[0], scores.proba[2])


def test_batch_size_aims_at_about_25_progress_updates_within_bounds() -> None:
    assert evaluation.batch_size_for(200_000) == 8_000
    assert evaluation.batch_size_for(500) == evaluation.MIN_BATCH_SIZE
    assert evaluation.batch_size_for(10_000_000) == evaluation.MAX_BATCH_SIZE
    model = WordModel()
    score_in_batches(LoadedModel(model, "fake"), texts(30_000))
    assert model.batches == [1200] * 25


def test_predict_only_model_gives_labels_without_probabilities() -> None:
    scores = score_in_batches(LoadedModel(PredictOnlyModel(), "fake", input_column="review"), texts(7), batch_size=3)
    assert scores.proba is None
    assert list(scores.predicted) == ["positive", "negative", "negative", "positive", "negative", "negative", "positive"]


class ForeignLabelsModel:
    classes_ = np.array([0, 1, 2])

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        raise AssertionError("must not be asked: its labels are known to be wrong beforehand")


class ForeignPredictions:
    def predict(self, frame: pd.DataFrame) -> list[str]:
        return ["pos"] * len(frame)


class WrongLengthModel:
    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return np.array(["positive"])


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (ForeignLabelsModel(), "answers with labels other than negative, neutral, positive: 0, 1, 2"),
        (ForeignPredictions(), "answers with labels other than negative, neutral, positive: pos"),
        (WrongLengthModel(), "not one sentiment per review"),
    ],
)
def test_models_answering_something_else_get_a_plain_error(model: object, message: str) -> None:
    with pytest.raises(UserFacingError, match=message):
        score_in_batches(LoadedModel(model, "fake"), texts(5))


class UnpicklableModel(WordModel):
    """Works in this process, but holds a lock, which cannot be sent to another process."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()


@pytest.fixture
def two_workers_for_small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Score on two worker processes from 100 texts on, however fast the model, whatever the machine's core count."""
    monkeypatch.setattr(batches, "PARALLEL_MIN_TEXTS", 100)
    monkeypatch.setattr(batches, "PARALLEL_MIN_SECONDS", 0.0)
    monkeypatch.setattr(batches, "worker_count", lambda: 2)
    monkeypatch.setattr(batches, "WORKER_SLOTS", batches.WorkerSlots(2))


def test_large_files_are_scored_on_worker_processes_with_the_same_answers(two_workers_for_small_files: None) -> None:
    model = WordModel()
    calls: list[tuple[int, int]] = []
    repeated = pd.concat([texts(2500), texts(2500)], ignore_index=True)
    scores = score_in_batches(
        LoadedModel(model, "fake"), repeated, batch_size=300, on_progress=lambda done, total, _: calls.append((done, total))
    )
    assert model.batches == [300]  # this process scored (and timed) the first batch only: the workers' copies the rest
    alone = score_in_batches(LoadedModel(WordModel(), "fake"), repeated, batch_size=300)
    assert scores.predicted.tolist() == alone.predicted.tolist()
    np.testing.assert_array_equal(scores.proba, alone.proba)
    assert calls == [(min(done, 2500), 2500) for done in range(300, 2800, 300)]  # in order, after each batch


def test_while_another_scoring_holds_the_workers_a_file_is_scored_in_this_process(two_workers_for_small_files: None) -> None:
    """Concurrent evaluations share one core's worth of workers each at most: no second pool beside the first."""
    with batches.WORKER_SLOTS.taken(2) as held:
        assert held == 2
        model = WordModel()
        busy = score_in_batches(LoadedModel(model, "fake"), texts(1000), batch_size=400)
        assert model.batches == [400, 400, 200]  # every batch here: no slot was free
    with batches.WORKER_SLOTS.taken(1), batches.WORKER_SLOTS.taken(2) as left:
        assert left == 1  # what is free, never more
    model = WordModel()
    free = score_in_batches(LoadedModel(model, "fake"), texts(1000), batch_size=400)
    assert model.batches == [400]  # slots given back: the workers scored the rest
    assert busy.predicted.tolist() == free.predicted.tolist()


def test_a_fast_model_is_scored_in_one_process_since_workers_would_cost_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batches, "PARALLEL_MIN_TEXTS", 100)
    monkeypatch.setattr(batches, "worker_count", lambda: 2)
    model = WordModel()
    score_in_batches(LoadedModel(model, "fake"), texts(3000), batch_size=1000)
    assert model.batches == [1000, 1000, 1000]  # the rest would take far less than PARALLEL_MIN_SECONDS here


def test_a_model_that_cannot_be_pickled_is_scored_in_one_process_and_the_log_says_so(
    two_workers_for_small_files: None, caplog: pytest.LogCaptureFixture
) -> None:
    model = UnpicklableModel()
    with caplog.at_level(logging.WARNING, logger=batches.logger.name):
        scores = score_in_batches(LoadedModel(model, "models:/unpicklable/1"), texts(1000), batch_size=400)
    assert model.batches == [400, 400, 200]
    assert list(scores.predicted[:3]) == ["positive", "negative", "neutral"]
    assert "Scoring with models:/unpicklable/1 in one process" in caplog.text and "cannot be sent to worker processes" in caplog.text


def test_cancelling_during_parallel_scoring_stops_it(two_workers_for_small_files: None) -> None:
    class Cancelled(Exception):
        pass

    calls: list[int] = []

    def cancel_after_two(done: int, total: int, _elapsed: float) -> None:
        calls.append(done)
        if len(calls) == 2:
            raise Cancelled

    with pytest.raises(Cancelled):
        score_in_batches(LoadedModel(WordModel(), "fake"), texts(20_000), batch_size=500, on_progress=cancel_after_two)
    assert calls == [500, 1000]


def test_a_model_failing_in_a_worker_fails_the_scoring(two_workers_for_small_files: None) -> None:
    with pytest.raises(RuntimeError, match="CUDA out of memory"):
        score_in_batches(LoadedModel(AlwaysBrokenModel(), "fake"), texts(1000), batch_size=400)


class AlwaysBrokenModel(WordModel):
    """Fails on every batch, wherever it runs."""

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        raise RuntimeError("CUDA out of memory")


# ---- end to end against a private copy of the seeded store ------------------------------


@pytest.fixture(scope="module")
def private(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return private_copy(demo_settings, tmp_path_factory.mktemp("scoring_store"))


@pytest.fixture(scope="module")
def store(private: Settings) -> TrackingStore:
    return TrackingStore(private.tracking_uri)


@pytest.fixture(scope="module")
def experiment_id(store: TrackingStore, private: Settings) -> str:
    return store.ensure_experiment("Scoring tests", artifact_location=private.artifact_root.as_uri())


@pytest.fixture(scope="module")
def champion(store: TrackingStore) -> LoadedModel:
    return store.load_scoring_model(CHAMPION)


def prepared(name: str) -> pd.DataFrame:
    table = read_upload(name, (DATA / name).read_bytes())
    columns = guess_columns(table.frame)
    mapping = propose_label_mapping(table.frame[columns.label].unique()) if columns.label else None
    return apply_mapping(table.frame, columns, mapping)[0]


def test_uploaded_file_is_logged_as_a_contract_evaluation_run(store: TrackingStore, experiment_id: str, champion: LoadedModel) -> None:
    reviews = prepared("utf8_comma.csv")
    progress: list[int] = []
    run_id = evaluate_reviews(
        store,
        champion,
        reviews,
        experiment_id=experiment_id,
        run_name="utf8_comma.csv · test",
        dataset_name="utf8_comma.csv",
        model_description="the champion",
        params={"source_file": "utf8_comma.csv"},
        tags={contract.TAG_COLUMN_MAPPING: json.dumps({"text": "Comment"})},
        batch_size=5,
        on_progress=lambda done, total, elapsed: progress.append(done),
    )
    assert progress == [5, 10, 12]
    run = store.run(run_id)
    assert run.status == "FINISHED" and run.name == "utf8_comma.csv · test"
    assert run.model_uri == CHAMPION and run.model_description == "the champion"
    assert run.dataset_hash == evaluation_dataset_hash(reviews)
    assert run.tags[contract.TAG_DATASET_NAME] == "utf8_comma.csv"
    assert json.loads(run.tags[contract.TAG_COLUMN_MAPPING]) == {"text": "Comment"}
    predictions = store.predictions(run_id)
    assert predictions is not None and len(predictions) == 12
    assert {contract.proba_column(label) for label in SENTIMENT_LABELS} <= set(predictions.columns)
    np.testing.assert_allclose(predictions[[contract.proba_column(label) for label in SENTIMENT_LABELS]].sum(axis=1), 1.0)
    assert run.metrics["accuracy_score"] == pytest.approx(
        accuracy_score(predictions[contract.TRUE_LABEL], predictions[contract.PREDICTED_LABEL])
    )
    assert run.metrics["example_count"] == 12
    assert "category.web_shop.accuracy" in run.metrics
    # the predicted label is what the model's own predict() says
    expected = champion.model.predict(reviews[[contract.TEXT]])
    assert list(predictions[contract.PREDICTED_LABEL]) == list(expected)


def test_same_reviews_and_model_find_the_existing_run_instead_of_a_duplicate(
    store: TrackingStore, experiment_id: str, champion: LoadedModel
) -> None:
    reviews = prepared("cp1252_pipe.txt")
    digest = evaluation_dataset_hash(reviews)
    assert existing_evaluation(store, digest, CHAMPION) is None
    run_id = evaluate_reviews(store, champion, reviews, experiment_id=experiment_id, run_name="pipes", dataset_name="cp1252_pipe.txt")
    found = existing_evaluation(store, evaluation_dataset_hash(prepared("cp1252_pipe.txt")), CHAMPION)
    assert found is not None and found.run_id == run_id
    assert existing_evaluation(store, digest, "models:/sentiment-demo-classifier/2") is None
    relabelled = reviews.assign(**{contract.TRUE_LABEL: "neutral"})
    assert existing_evaluation(store, evaluation_dataset_hash(relabelled), CHAMPION) is None


def test_failing_model_leaves_a_failed_run_with_the_reason_and_no_finished_one(store: TrackingStore, experiment_id: str) -> None:
    reviews = prepared("utf8_comma.csv")
    progress: list[int] = []
    with pytest.raises(UserFacingError) as caught:
        evaluate_reviews(
            store,
            LoadedModel(BrokenModel(), "models:/broken/1"),
            reviews,
            experiment_id=experiment_id,
            run_name="broken model",
            dataset_name="utf8_comma.csv",
            batch_size=5,
            on_progress=lambda done, total, elapsed: progress.append(done),
        )
    assert "The model stopped with an error while scoring the reviews (RuntimeError: CUDA out of memory on batch 2)" in caught.value.message
    assert "recorded as a failed run" in caught.value.hint
    assert progress == [5]
    attempts = [run for run in store.runs(experiment_id) if run.name == "broken model"]
    assert [run.status for run in attempts] == ["FAILED"]
    assert attempts[0].tags[contract.TAG_FAILURE] == "RuntimeError: CUDA out of memory on batch 2"
    assert attempts[0].model_uri == "models:/broken/1"
    assert store.predictions(attempts[0].run_id) is None
    assert existing_evaluation(store, evaluation_dataset_hash(reviews), "models:/broken/1") is None


def test_scoring_interrupted_midway_leaves_no_run_at_all(store: TrackingStore, experiment_id: str) -> None:
    def interrupt(done: int, total: int, elapsed: float) -> None:
        raise KeyboardInterrupt  # as a killed process, or Streamlit stopping a script the user left

    before = {run.run_id for run in store.runs(experiment_id)}
    with pytest.raises(KeyboardInterrupt):
        evaluate_reviews(
            store,
            LoadedModel(WordModel(), "fake"),
            prepared("utf8_comma.csv"),
            experiment_id=experiment_id,
            run_name="interrupted",
            dataset_name="d",
            batch_size=5,
            on_progress=interrupt,
        )
    assert {run.run_id for run in store.runs(experiment_id)} == before


def test_model_with_wrong_labels_creates_no_run_at_all(store: TrackingStore, experiment_id: str) -> None:
    before = len(store.runs(experiment_id))
    with pytest.raises(UserFacingError, match="labels other than"):
        evaluate_reviews(
            store,
            LoadedModel(ForeignLabelsModel(), "x"),
            prepared("utf8_comma.csv"),
            experiment_id=experiment_id,
            run_name="r",
            dataset_name="d",
        )
    assert len(store.runs(experiment_id)) == before


def test_failure_while_logging_marks_the_run_failed_and_says_so(
    store: TrackingStore, experiment_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(store, "log_dataframe_artifact", disk_full)
    with pytest.raises(UserFacingError, match=r"Saving the evaluation to MLflow failed \(OSError: No space left on device\)"):
        evaluate_reviews(
            store,
            LoadedModel(WordModel(), "fake"),
            prepared("no_category.csv"),
            experiment_id=experiment_id,
            run_name="disk full",
            dataset_name="d",
        )
    [run] = [run for run in store.runs(experiment_id) if run.name == "disk full"]
    assert run.status == "FAILED"


def test_file_without_labels_is_logged_with_its_predictions_only(store: TrackingStore, experiment_id: str, champion: LoadedModel) -> None:
    run_id = evaluate_reviews(
        store, champion, prepared("no_label.csv"), experiment_id=experiment_id, run_name="unlabelled", dataset_name="no_label.csv"
    )
    run = store.run(run_id)
    assert run.is_finished and run.metrics == {"example_count": 12.0}
    predictions = store.predictions(run_id)
    assert predictions is not None and contract.TRUE_LABEL not in predictions and predictions[contract.PREDICTED_LABEL].notna().all()


def test_pyfunc_model_without_probabilities_is_scored_through_predict(store: TrackingStore, experiment_id: str) -> None:
    import mlflow.pyfunc
    from mlflow.models import infer_signature

    class Keywords(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input: pd.DataFrame, params=None) -> np.ndarray:
            return np.where(model_input["review"].str.contains("happy|Love|superb"), "positive", "negative")

    store._use_globally()
    example = pd.DataFrame({"review": ["a happy review"]})
    run_id = store.start_run(experiment_id, "pyfunc model", {})
    with mlflow.start_run(run_id=run_id):
        info = mlflow.pyfunc.log_model(
            name="model", python_model=Keywords(), pip_requirements=[], signature=infer_signature(example, np.array(["positive"]))
        )
    store.finish_run(run_id)
    loaded = store.load_scoring_model(info.model_uri)
    assert loaded.input_column == "review" and not hasattr(loaded.model, "predict_proba")
    evaluated = evaluate_reviews(
        store, loaded, prepared("utf8_comma.csv"), experiment_id=experiment_id, run_name="pyfunc", dataset_name="d"
    )
    predictions = store.predictions(evaluated)
    assert predictions is not None
    assert not any(c.startswith(contract.PROBA_PREFIX) for c in predictions.columns)
    assert predictions.loc[predictions[contract.TEXT].str.contains("Love it"), contract.PREDICTED_LABEL].item() == "positive"


# ---- predicted sentiment distribution (files without labels) ----------------------------


def test_prediction_distribution_overall_and_per_category() -> None:
    predictions = pd.DataFrame(
        {
            contract.PREDICTED_LABEL: ["positive", "positive", "negative", "neutral", "positive", "negative"],
            contract.CATEGORY: ["App", "App", "App", "Shop", None, "Shop"],
        }
    )
    table = prediction_distribution(predictions).set_index(["group", "sentiment"])
    assert list(dict.fromkeys(table.index.get_level_values("group"))) == [OVERALL, "App", "Shop", NO_CATEGORY]
    assert table.loc[(OVERALL, "positive"), "reviews"] == 3 and table.loc[(OVERALL, "positive"), "share"] == pytest.approx(0.5)
    assert table.loc[("App", "neutral"), "reviews"] == 0
    assert table.loc[("Shop", "negative"), "share"] == pytest.approx(0.5)
    assert table.loc[(NO_CATEGORY, "positive"), "reviews"] == 1
    assert table.groupby(level="group")["share"].sum().round(9).eq(1).all()


def test_prediction_distribution_marks_all_reviews_apart_from_a_category_of_that_name() -> None:
    predictions = pd.DataFrame({contract.PREDICTED_LABEL: ["positive", "negative", "neutral"], contract.CATEGORY: [OVERALL, "App", "App"]})
    table = prediction_distribution(predictions)
    assert table.loc[table["overall"], "reviews"].sum() == 3
    assert table.loc[~table["overall"] & (table["group"] == OVERALL), "reviews"].sum() == 1


def test_prediction_distribution_without_categories_has_one_group() -> None:
    table = prediction_distribution(pd.DataFrame({contract.PREDICTED_LABEL: ["neutral"] * 4}))
    assert set(table["group"]) == {OVERALL}
    assert list(table["reviews"]) == [0, 4, 0]


def test_upload_run_details_record_origin_drops_and_mappings() -> None:
    table = read_upload("feedback.csv", b"text;mood;shop\nGreat;Happy;App\nBad;Angry;App\nGreat;Happy;App\n;Happy;Web\n")
    columns = ColumnGuess("text", "mood", "shop")
    mapping = {"Happy": "positive", "Angry": "negative"}
    _, dropped = apply_mapping(table.frame, columns, mapping)
    params, tags = upload_run_details(table, dropped, columns, mapping)
    assert params["source_file"] == "feedback.csv" and params["delimiter"] == ";" and params["sheet"] == ""
    assert (params["rows_in_file"], params["rows_left_out"], params["repeated_rows"]) == (4, dropped.rows_in_file - dropped.kept, 1)
    assert json.loads(params["label_mapping"]) == mapping
    assert json.loads(tags[contract.TAG_COLUMN_MAPPING]) == {contract.TEXT: "text", contract.TRUE_LABEL: "mood", contract.CATEGORY: "shop"}
    _, unlabelled = upload_run_details(table, dropped, ColumnGuess("text", None, None), mapping)
    assert json.loads(unlabelled[contract.TAG_COLUMN_MAPPING]) == {contract.TEXT: "text"}
