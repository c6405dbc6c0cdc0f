"""Page tests of the app shell and the Overview page, through Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.stores import contract
from lib.stores.demo import DEMO_EXPERIMENT, SEED_ARTICLE_RUN
from lib.stores.tracking import TrackingStore
from lib.wording.markdown import escape_markdown
from tests.conftest import settings_for
from tests.helpers import open_app, page_text


def test_overview_shows_headline_of_newest_evaluation_run(app_env, demo_store: TrackingStore) -> None:
    at = open_app()
    assert not at.exception
    text = page_text(at)
    assert "The model labels" in text
    assert "of reviews correctly (95% interval" in text
    assert "based on 4,488 reviews" in text
    assert "It is weakest on" in text
    assert "truly negative reviews" in text
    experiment = at.sidebar.selectbox(key="experiment_picker")
    assert experiment.value.name == DEMO_EXPERIMENT


def test_run_picker_lists_runs_readably_with_baseline_marked(app_env) -> None:
    at = open_app()
    picker = at.sidebar.selectbox(key="run_picker_" + at.sidebar.selectbox(key="experiment_picker").value.experiment_id)
    labels = picker.options
    assert len(labels) == 4
    assert sum(label.startswith("★ ") for label in labels) == 1
    assert all(" · " in label for label in labels)  # name · date


def test_kpi_cards_show_change_against_baseline(app_env) -> None:
    at = open_app()
    deltas = [m.delta for m in at.metric]
    assert len(at.metric) == 5
    assert all(d and d.endswith(" pts") for d in deltas)
    # Each change says whether it is real (the Compare page's paired test): on the demo, accuracy's +1.5 pts is.
    descriptions = [m.proto.delta_description for m in at.metric]
    assert all(d.startswith("vs baseline: ") for d in descriptions)
    assert descriptions[0] == "vs baseline: a real change"
    captions = [c.value for c in at.caption]
    assert any("based on 4,488 reviews" in c for c in captions)


def test_a_change_that_could_be_chance_is_grey_and_says_so(app_env, demo_store: TrackingStore) -> None:
    """Iteration 1's accuracy moves by a fraction of a point: the paired test calls it noise, so no green or red arrow."""
    from lib.stores.demo import MODEL_SPECS

    experiment = demo_store.experiment_by_name(DEMO_EXPERIMENT)
    iteration_1 = next(r for r in demo_store.runs(experiment.experiment_id) if r.name == MODEL_SPECS[1].run_name)
    at = open_app(experiment=experiment.experiment_id, run=iteration_1.run_id)
    assert not at.exception
    cards = {m.label: m.proto for m in at.metric}
    assert cards["Labelled correctly"].delta_description == "vs baseline: could be chance"
    assert cards["Labelled correctly"].color == cards["Labelled correctly"].GRAY
    assert cards["Finds neutral"].delta_description == "vs baseline: a real change"
    assert cards["Finds neutral"].color == cards["Finds neutral"].GREEN


def test_selecting_the_baseline_shows_no_change(app_env, demo_store: TrackingStore) -> None:
    at = open_app()
    experiment_id = at.sidebar.selectbox(key="experiment_picker").value.experiment_id
    baseline = next(r for r in demo_store.runs(experiment_id) if r.is_baseline)
    at.sidebar.selectbox(key=f"run_picker_{experiment_id}").set_value(baseline).run()
    assert not at.exception
    assert all(not m.delta and not m.proto.delta_description for m in at.metric)
    assert at.query_params["run"] == baseline.run_id


def test_run_without_predictions_says_what_is_missing(app_env, demo_store: TrackingStore) -> None:
    experiment = demo_store.experiment_by_name(DEMO_EXPERIMENT)
    seed_run = next(r for r in demo_store.runs(experiment.experiment_id) if r.name == SEED_ARTICLE_RUN)
    at = open_app(experiment=experiment.experiment_id, run=seed_run.run_id)
    assert not at.exception
    text = page_text(at)
    assert "no file of individual predictions" in text
    table = at.dataframe[0].value
    assert "Labelled correctly" in set(table["Measure"])
    assert "accuracy_score" in set(table["Logged as"])


@pytest.fixture
def odd_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[TrackingStore, dict[str, str]]:
    """A store without the demo: one empty experiment, one with a RUNNING and a FAILED run."""
    settings = settings_for(tmp_path, SENTIMENT_REVIEW_SEED_DEMO="false")
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SENTIMENT_REVIEW_SEED_DEMO", "false")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    store = TrackingStore(settings.tracking_uri)
    empty = store.ensure_experiment("Nothing logged yet")
    busy = store.ensure_experiment("Busy")
    running = store.start_run(busy, "still scoring", {})
    failed = store.start_run(busy, "broke", {})
    store.fail_run(failed, "ValueError: model crashed on batch 3")
    return store, {"empty": empty, "busy": busy, "running": running, "failed": failed}


def test_empty_store_gets_a_friendly_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SENTIMENT_REVIEW_SEED_DEMO", "false")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    at = open_app()
    assert not at.exception
    assert "no experiments in the tracking store" in page_text(at)


def test_experiment_without_runs(odd_store) -> None:
    _, ids = odd_store
    at = open_app(experiment=ids["empty"])
    assert not at.exception
    assert "has no runs yet" in page_text(at)


def test_running_and_failed_runs_are_explained(odd_store) -> None:
    _, ids = odd_store
    at = open_app(experiment=ids["busy"], run=ids["running"])
    assert not at.exception
    assert "still in progress" in page_text(at)
    at = open_app(experiment=ids["busy"], run=ids["failed"])
    assert not at.exception
    text = page_text(at)
    assert "failed before it finished" in text
    assert "model crashed on batch 3" in text


def test_unreachable_tracking_server_gets_a_friendly_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    at = open_app()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "cannot be read right now" in errors
    assert escape_markdown("MLFLOW_TRACKING_URI") in errors


def test_run_tagged_as_evaluation_is_default(app_env, demo_store: TrackingStore) -> None:
    at = open_app()
    experiment_id = at.sidebar.selectbox(key="experiment_picker").value.experiment_id
    chosen = at.sidebar.selectbox(key=f"run_picker_{experiment_id}").value
    assert chosen.tags.get(contract.TAG_RUN_KIND) == contract.RUN_KIND_EVALUATION


@pytest.fixture(scope="module")
def small_upload_env(demo_settings, tmp_path_factory: pytest.TempPathFactory):
    """A private demo store plus a 6-review run of the champion on other reviews, in the demo experiment."""
    import pandas as pd

    from lib.scoring.evaluation import log_evaluation_run
    from lib.stores.demo import DEMO_MODEL_NAME
    from tests.private_store import private_copy

    settings = private_copy(demo_settings, tmp_path_factory.mktemp("like_with_like"))
    store = TrackingStore(settings.tracking_uri)
    experiment = store.experiment_by_name(DEMO_EXPERIMENT)
    labels = ["negative", "neutral", "positive"] * 2
    predictions = pd.DataFrame(
        {
            contract.REVIEW_ID: [f"r{i}" for i in range(6)],
            contract.TEXT: [f"fresh feedback number {i}" for i in range(6)],
            contract.TRUE_LABEL: labels,
            contract.PREDICTED_LABEL: labels[::-1],
        }
    )
    run_id = log_evaluation_run(
        store,
        experiment_id=experiment.experiment_id,
        run_name="six_reviews.csv",
        predictions=predictions,
        dataset_name="six_reviews.csv",
        dataset_source="upload",
        model_uri=f"models:/{DEMO_MODEL_NAME}/1",
    )
    return settings, experiment.experiment_id, run_id


@pytest.fixture(scope="module")
def legacy_hashes_env(small_upload_env, tmp_path_factory: pytest.TempPathFactory):
    """``small_upload_env`` copied, with the baseline and the 6-review run tagged as runs logged before hash scheme 2."""
    import mlflow

    from tests.private_store import private_copy

    settings, experiment_id, six_reviews_id = private_copy(small_upload_env[0], tmp_path_factory.mktemp("legacy")), *small_upload_env[1:]
    store = TrackingStore(settings.tracking_uri)
    client = mlflow.MlflowClient(settings.tracking_uri)
    baseline = next(r for r in store.runs(experiment_id) if r.is_baseline)
    for run_id, old_hash in ((baseline.run_id, "0123456789abcdef"), (six_reviews_id, "fedcba9876543210")):
        client.set_tag(run_id, contract.TAG_DATASET_HASH, old_hash)
        client.delete_tag(run_id, contract.TAG_DATASET_HASH_SCHEME)
    return settings, experiment_id, six_reviews_id


def test_a_baseline_hashed_the_old_way_is_still_compared_on_the_same_reviews(legacy_hashes_env, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, experiment_id, six_reviews_id = legacy_hashes_env
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    from lib.stores.demo import MODEL_SPECS

    iteration = next(r for r in TrackingStore(settings.tracking_uri).runs(experiment_id) if r.name == MODEL_SPECS[-1].run_name)
    assert iteration.dataset_hash_scheme == contract.DATASET_HASH_SCHEME
    at = open_app(experiment=experiment_id, run=iteration.run_id)  # hashed now, against the old-style baseline
    assert not at.exception
    assert all(m.delta and m.delta.endswith(" pts") and m.proto.delta_description.startswith("vs baseline") for m in at.metric)
    at = open_app(experiment=experiment_id, run=six_reviews_id)  # old-style too, but other reviews
    assert not at.exception
    assert all(not m.delta for m in at.metric) and "measured on different reviews" in page_text(at)


def test_a_run_on_other_reviews_shows_no_change_against_the_baseline(small_upload_env, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, experiment_id, run_id = small_upload_env
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    at = open_app(experiment=experiment_id, run=run_id)
    assert not at.exception
    assert len(at.metric) == 5
    assert all(not m.delta for m in at.metric)
    assert "measured on different reviews" in page_text(at)
    at.switch_page("pages/report.py").run()
    assert not at.exception
    assert "measured on different reviews" in page_text(at)
    assert not [t for t in at.toggle if "Compare with the baseline" in str(t.label)]
