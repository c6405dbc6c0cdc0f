"""Page test of "Check the figures": propose a sample of an unlabelled run, label it, see and log the checked figure."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.quality.checks import METHOD_COMBINED, MIN_CHECKED_REVIEWS, check_seed, propose_check_sample
from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.annotations import AnnotationStore, review_fingerprint
from lib.stores.demo import DEMO_EXPERIMENT, MODEL_SPECS
from lib.stores.tracking import TrackingStore
from tests.conftest import PROJECT_ROOT
from tests.private_store import private_copy

APP = str(PROJECT_ROOT / "app.py")
REVIEWS = 400


@pytest.fixture
def unlabelled_run(demo_settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A private demo store with a run of the baseline model on 400 demo reviews whose labels were removed."""
    settings = private_copy(demo_settings, tmp_path / "store")
    store = TrackingStore(settings.tracking_uri)
    experiment = store.experiment_by_name(DEMO_EXPERIMENT)
    baseline = next(r for r in store.runs(experiment.experiment_id) if r.name == MODEL_SPECS[0].run_name)
    labelled = store.predictions(baseline.run_id).sample(REVIEWS, random_state=1).reset_index(drop=True)
    unlabelled = labelled.drop(columns=[contract.TRUE_LABEL, "mean_rating", "rating_sd", "n_raters", "ratings"])
    run_id = log_evaluation_run(
        store,
        experiment_id=experiment.experiment_id,
        run_name="last_week.csv",
        predictions=unlabelled,
        dataset_name="last_week.csv",
        dataset_source="upload",
        model_uri=baseline.model_uri,
    )
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SENTIMENT_REVIEW_ANNOTATIONS_DB_URL", f"sqlite:///{tmp_path / 'annotations.db'}")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return store, experiment.experiment_id, run_id, labelled


def open_page(experiment_id: str, run_id: str, page: str = "pages/check.py") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["experiment"] = experiment_id
    at.query_params["run"] = run_id
    return at.run().switch_page(page).run()


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info] + [s.value for s in at.success]
    return re.sub(r"\\(.)", r"\1", "\n".join(map(str, parts))).replace("\u2060", "")


def by_label(elements, label: str):
    return next(e for e in elements if e.label == label)


def test_propose_label_and_see_the_checked_figure(unlabelled_run) -> None:
    store, experiment_id, run_id, labelled = unlabelled_run
    at = open_page(experiment_id, run_id)
    assert not at.exception
    assert "drawn at random" in page_text(at)
    at = by_label(at.button, "Propose the sample").click().run().run()  # AppTest does not follow st.rerun: run again
    assert not at.exception
    tags = store.run(run_id).tags
    assert (tags[contract.TAG_CHECK_SAMPLE_SIZE], tags[contract.TAG_CHECK_SAMPLE_SEED]) == ("50", str(check_seed(run_id)))
    assert "0 of the 50 reviews in the sample are checked; 20 more are needed" in page_text(at)

    # The first review of the sample, labelled through the form, as an annotator would.
    sample = propose_check_sample(store.predictions(run_id), 50, seed=check_seed(run_id))
    first = sample.iloc[0]
    assert str(first[contract.TEXT]) in [t.value for t in at.text]
    by_label(at.text_input, "Your name, shown next to your annotations").input("Alice")
    at = by_label(at.button, "Start annotating").click().run()
    truth = labelled.set_index(contract.REVIEW_ID)[contract.TRUE_LABEL]
    by_label(at.selectbox, "Corrected label").set_value(truth[first[contract.REVIEW_ID]])
    at = by_label(at.button, "Save and show the next review").click().run().run()
    assert not at.exception
    assert "1 of the 50 reviews in the sample is checked" in page_text(at)

    # Nineteen more straight into the store: the page counts them whoever saved them.
    annotations = AnnotationStore(os.environ["SENTIMENT_REVIEW_ANNOTATIONS_DB_URL"])
    history = annotations.history_frame(experiment_id)
    assert list(history["tags"]) == ["check sample"] and list(history["run_id"]) == [run_id]
    for _, review in sample.iloc[1:MIN_CHECKED_REVIEWS].iterrows():
        key = review_fingerprint(str(review[contract.TEXT]), experiment_id)
        annotations.record(
            experiment_id=experiment_id,
            review_key=key,
            dataset="last_week.csv",
            review_id=str(review[contract.REVIEW_ID]),
            run_id=run_id,
            model_uri="",
            annotator="Bob",
            verdict="label_wrong",
            corrected_label=truth[review[contract.REVIEW_ID]],
            expected_version=annotations.review_version(experiment_id, key),
        )
    at = open_page(experiment_id, run_id)
    assert not at.exception
    text = page_text(at)
    checked = sample.iloc[:MIN_CHECKED_REVIEWS]
    right = int((checked[contract.PREDICTED_LABEL].to_numpy() == truth[checked[contract.REVIEW_ID]].to_numpy()).sum())
    assert f"The checked reviews alone: {right} of 20 right" in text
    assert f"From the 20 reviews your team checked plus the model's confidence on all {REVIEWS}:" in text
    assert "calibrated on “Baseline: word TF-IDF + logistic regression”" in text

    logged = store.run(run_id)
    assert logged.metrics[contract.CHECK_SAMPLE_SIZE] == 20
    assert logged.metrics[contract.CHECK_POPULATION_SIZE] == REVIEWS
    assert (
        0 <= logged.metrics["checked_accuracy_lower"] <= logged.metrics["checked_accuracy"] <= logged.metrics["checked_accuracy_upper"] <= 1
    )
    assert logged.tags[contract.TAG_CHECK_METHOD] == METHOD_COMBINED

    overview = open_page(experiment_id, run_id, "pages/overview.py")
    assert not overview.exception
    assert "Checked by your team" in [s.value for s in overview.subheader]
    assert f"From the 20 reviews your team checked plus the model's confidence on all {REVIEWS}:" in page_text(overview)


def test_a_labelled_run_needs_no_check(app_env) -> None:
    at = AppTest.from_file(APP, default_timeout=120).run().switch_page("pages/check.py").run()
    assert not at.exception
    assert "already have true labels" in page_text(at)


def test_a_labelled_run_points_to_the_runs_that_can_be_checked(unlabelled_run) -> None:
    store, experiment_id, run_id, _ = unlabelled_run
    baseline = next(r for r in store.runs(experiment_id) if r.is_baseline)
    at = open_page(experiment_id, baseline.run_id)
    assert not at.exception
    text = page_text(at)
    assert "already have true labels" in text and "1 run of such feedback is waiting" in text
    buttons = [b for b in at.main.button if b.key.startswith("check_run_")]
    assert len(buttons) == 1
    assert buttons[0].label.startswith("last\\_week\\.csv · ") and buttons[0].label.endswith(f" · {REVIEWS} reviews")
    at = buttons[0].click().run()  # this page, on that run: the sidebar's picker follows
    assert not at.exception
    assert at.sidebar.selectbox(key=f"run_picker_{experiment_id}").value.run_id == run_id
    assert "already have true labels" not in page_text(at) and at.query_params["run"] == run_id
