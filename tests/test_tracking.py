"""lib/stores/tracking.py over a real temporary MLflow store seeded with the demo."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from lib.errors import UserFacingError
from lib.quality.metrics import SENTIMENT_LABELS
from lib.scoring.evaluation import evaluation_dataset_hash
from lib.stores import contract
from lib.stores.compact import compact_predictions
from lib.stores.demo import DEMO_EXPERIMENT, DEMO_MODEL_NAME, MODEL_SPECS, SEED_ARTICLE_RUN
from lib.stores.tracking import RunSummary, TrackingStore

EVALUATED_RUNS = [spec.run_name for spec in MODEL_SPECS]
TEST_REVIEWS = 4488


@pytest.fixture(scope="module")
def demo_runs(demo_store: TrackingStore) -> dict[str, RunSummary]:
    experiment = demo_store.experiment_by_name(DEMO_EXPERIMENT)
    assert experiment is not None
    return {run.name: run for run in demo_store.runs(experiment.experiment_id)}


@pytest.fixture(scope="module")
def demo_predictions(demo_store: TrackingStore, demo_runs: dict[str, RunSummary]) -> dict[str, pd.DataFrame]:
    found = {name: demo_store.predictions(demo_runs[name].run_id) for name in EVALUATED_RUNS}
    return {name: frame for name, frame in found.items() if frame is not None}


def test_experiments_list_the_seeded_demo(demo_store: TrackingStore) -> None:
    experiments = demo_store.experiments()
    demo = [e for e in experiments if e.name == DEMO_EXPERIMENT]
    assert len(demo) == 1
    assert demo[0].tags[contract.EXPERIMENT_TAG_SEED_COMPLETE] == "true"
    # MLflow's empty "Default" experiment is not offered.
    assert "Default" not in {e.name for e in experiments}
    assert demo_store.experiment_by_name(DEMO_EXPERIMENT) == demo[0]
    assert demo_store.experiment_by_name("No such experiment") is None


def test_runs_are_the_four_demo_runs_with_one_baseline(demo_runs: dict[str, RunSummary]) -> None:
    assert set(demo_runs) == {*EVALUATED_RUNS, SEED_ARTICLE_RUN}
    assert [run.name for run in demo_runs.values() if run.is_baseline] == [MODEL_SPECS[0].run_name]
    assert all(run.is_finished and run.start_time is not None for run in demo_runs.values())
    assert demo_runs[MODEL_SPECS[1].run_name].model_description == MODEL_SPECS[1].description
    assert demo_runs[MODEL_SPECS[0].run_name].model_uri.startswith(f"models:/{DEMO_MODEL_NAME}/")


def test_runs_are_newest_first(demo_store: TrackingStore, demo_runs: dict[str, RunSummary]) -> None:
    runs = demo_store.runs(next(iter(demo_runs.values())).experiment_id)
    starts = [run.start_time for run in runs]
    assert starts == sorted(starts, reverse=True)


def test_one_run_by_id_and_a_missing_one(demo_store: TrackingStore, demo_runs: dict[str, RunSummary]) -> None:
    baseline = demo_runs[MODEL_SPECS[0].run_name]
    assert demo_store.run(baseline.run_id) == baseline
    with pytest.raises(UserFacingError, match="could not be read"):
        demo_store.run("0" * 32)


def test_predictions_follow_the_contract(demo_predictions: dict[str, pd.DataFrame]) -> None:
    assert set(demo_predictions) == set(EVALUATED_RUNS)
    for frame in demo_predictions.values():
        assert set(frame.columns) >= {*contract.PREDICTION_COLUMNS, *(contract.proba_column(label) for label in SENTIMENT_LABELS)}
        assert len(frame) == TEST_REVIEWS
        assert frame[contract.REVIEW_ID].is_unique
        assert set(frame[contract.PREDICTED_LABEL]) <= set(SENTIMENT_LABELS)
        assert set(frame[contract.TRUE_LABEL]) == set(SENTIMENT_LABELS)
        proba = frame[[contract.proba_column(label) for label in SENTIMENT_LABELS]].to_numpy()
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
        # The predicted label is the most probable class.
        assert (np.asarray(SENTIMENT_LABELS)[proba.argmax(axis=1)] == frame[contract.PREDICTED_LABEL].to_numpy()).all()


def test_run_logged_by_mlflow_evaluate_has_metrics_but_no_predictions(demo_store: TrackingStore, demo_runs: dict[str, RunSummary]) -> None:
    seed_run = demo_runs[SEED_ARTICLE_RUN]
    assert demo_store.predictions(seed_run.run_id) is None
    assert demo_store.json_artifact(seed_run.run_id, contract.CATEGORIES_ARTIFACT) is None
    assert "accuracy_score" in seed_run.metrics
    assert seed_run.metrics["example_count"] == TEST_REVIEWS
    assert not any(name.startswith("class.") for name in seed_run.metrics)
    assert contract.PREDICTIONS_ARTIFACT not in demo_store.artifact_names(seed_run.run_id)
    assert demo_store.artifact_names(seed_run.run_id)  # MLflow's own plots and tables


@pytest.mark.parametrize("run_name", EVALUATED_RUNS)
def test_logged_metrics_equal_those_recomputed_from_predictions(
    demo_store: TrackingStore, demo_runs: dict[str, RunSummary], demo_predictions: dict[str, pd.DataFrame], run_name: str
) -> None:
    run, frame = demo_runs[run_name], demo_predictions[run_name]
    y_true, y_pred = frame[contract.TRUE_LABEL].astype(str), frame[contract.PREDICTED_LABEL].astype(str)
    metrics = run.metrics
    assert metrics["accuracy_score"] == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-9)
    assert metrics["f1_score"] == pytest.approx(f1_score(y_true, y_pred, average="weighted"), abs=1e-9)
    assert metrics["macro_f1_score"] == pytest.approx(f1_score(y_true, y_pred, average="macro"), abs=1e-9)
    assert metrics["example_count"] == len(frame)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=list(SENTIMENT_LABELS))
    for i, label in enumerate(SENTIMENT_LABELS):
        assert metrics[f"class.{label}.precision"] == pytest.approx(precision[i], abs=1e-9)
        assert metrics[f"class.{label}.recall"] == pytest.approx(recall[i], abs=1e-9)
        assert metrics[f"class.{label}.f1"] == pytest.approx(f1[i], abs=1e-9)
        assert metrics[f"class.{label}.support"] == support[i]

    slugs = demo_store.json_artifact(run.run_id, contract.CATEGORIES_ARTIFACT)
    assert sorted(slugs.values()) == sorted(frame[contract.CATEGORY].unique())
    for slug, name in slugs.items():
        part = frame[frame[contract.CATEGORY] == name]
        true_part, pred_part = part[contract.TRUE_LABEL].astype(str), part[contract.PREDICTED_LABEL].astype(str)
        assert metrics[f"category.{slug}.accuracy"] == pytest.approx(accuracy_score(true_part, pred_part), abs=1e-9)
        assert metrics[f"category.{slug}.macro_f1"] == pytest.approx(f1_score(true_part, pred_part, average="macro"), abs=1e-9)
        assert metrics[f"category.{slug}.example_count"] == len(part)

    dataset_columns = [contract.REVIEW_ID, contract.TEXT, contract.TRUE_LABEL, contract.CATEGORY]
    assert run.dataset_hash == contract.dataset_fingerprint(frame[dataset_columns])


def test_evaluated_runs_share_one_dataset(demo_runs: dict[str, RunSummary], demo_store: TrackingStore) -> None:
    hashes = {demo_runs[name].dataset_hash for name in EVALUATED_RUNS}
    assert len(hashes) == 1 and "" not in hashes
    assert {demo_runs[name].dataset_hash_scheme for name in EVALUATED_RUNS} == {contract.DATASET_HASH_SCHEME}
    # The app recomputes hashes from predictions as it holds them (compact) for runs of an older scheme.
    run = demo_runs[EVALUATED_RUNS[0]]
    assert evaluation_dataset_hash(compact_predictions(demo_store.predictions(run.run_id))) == run.dataset_hash


def test_champion_model_loads_and_predicts_on_a_text_frame(demo_store: TrackingStore) -> None:
    model = demo_store.load_model(f"models:/{DEMO_MODEL_NAME}@champion")
    texts = pd.DataFrame(
        {"text": ["I love this phone, it is wonderful!", "Terrible, awful, a waste of money.", "The train leaves at nine."]}
    )
    predicted = list(model.predict(texts))
    assert len(predicted) == 3
    assert set(map(str, predicted)) <= set(SENTIMENT_LABELS)
    assert str(predicted[0]) == "positive" and str(predicted[1]) == "negative"


def test_aliases_point_at_baseline_and_last_iteration(demo_store: TrackingStore, demo_runs: dict[str, RunSummary]) -> None:
    aliases = demo_store.registered_model_aliases(DEMO_MODEL_NAME)
    assert set(aliases) == {"champion", "challenger"}
    version_of = {name: demo_runs[name].model_uri.rsplit("/", 1)[1] for name in EVALUATED_RUNS}
    assert aliases["champion"] == version_of[MODEL_SPECS[0].run_name]
    assert aliases["challenger"] == version_of[MODEL_SPECS[-1].run_name]
    assert demo_store.registered_model_aliases("no-such-model") == {}


def test_a_model_that_cannot_be_loaded_is_a_user_facing_error(demo_store: TrackingStore) -> None:
    with pytest.raises(UserFacingError, match="could not be loaded"):
        demo_store.load_model(f"models:/{DEMO_MODEL_NAME}@no-such-alias")


def test_unreachable_server_raises_user_facing_error_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    store = TrackingStore("http://127.0.0.1:9")
    started = time.perf_counter()
    with pytest.raises(UserFacingError) as caught:
        store.experiments()
    assert time.perf_counter() - started < 10
    assert "http://127.0.0.1:9" in caught.value.message
    assert "MLFLOW_TRACKING_URI" in caught.value.hint
    with pytest.raises(UserFacingError):
        store.runs("1")


def test_writing_run_finishes_the_run_or_fails_it_with_the_reason(tmp_path) -> None:
    store = TrackingStore(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment_id = store.ensure_experiment("Writing runs", artifact_location=(tmp_path / "artifacts").as_uri())
    with store.writing_run(experiment_id, "fine", {}) as fine:
        store.log_values(fine, {"accuracy_score": 0.5})
    with pytest.raises(RuntimeError), store.writing_run(experiment_id, "broken", {}) as broken:
        raise RuntimeError("disk full at batch 3")
    with store.writing_run(experiment_id, "ended inside", {}) as ended:
        store.fail_run(ended, "given up")
    runs = {run.name: run for run in store.runs(experiment_id)}
    assert runs["fine"].run_id == fine and runs["fine"].status == "FINISHED"
    assert runs["broken"].run_id == broken and runs["broken"].status == "FAILED"
    assert runs["broken"].tags[contract.TAG_FAILURE] == "RuntimeError: disk full at batch 3"
    assert runs["ended inside"].status == "FAILED" and runs["ended inside"].tags[contract.TAG_FAILURE] == "given up"
