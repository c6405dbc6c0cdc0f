"""Overview of a run without true labels leads with the estimated quality and the drift sentence (AppTest, real MLflow).

Runs are logged into a private copy of the seeded demo store: the demo's labelled test-split
runs are the references, and unlabelled runs are made from their predictions with the labels
dropped (all of them, or only the news editorials).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.config import Settings
from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.demo import DEMO_EXPERIMENT, MODEL_SPECS
from lib.stores.tracking import TrackingStore
from tests.conftest import PROJECT_ROOT
from tests.private_store import private_copy

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture(scope="module")
def private_settings(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return private_copy(demo_settings, tmp_path_factory.mktemp("estimate_pages") / "store")


@pytest.fixture(scope="module")
def unlabelled_runs(private_settings: Settings) -> dict[str, str]:
    """Run ids: the baseline's test predictions without labels (all, only news editorials) and the reference run."""
    store = TrackingStore(private_settings.tracking_uri)
    experiment = store.experiment_by_name(DEMO_EXPERIMENT)
    baseline = next(r for r in store.runs(experiment.experiment_id) if r.name == MODEL_SPECS[0].run_name)
    predictions = store.predictions(baseline.run_id).drop(columns=contract.TRUE_LABEL)

    def logged(name: str, frame) -> str:
        return log_evaluation_run(
            store,
            experiment_id=experiment.experiment_id,
            run_name=name,
            predictions=frame.reset_index(drop=True),
            dataset_name=name,
            dataset_source=name,
            model_uri=baseline.model_uri,
        )

    return {
        "reference": baseline.run_id,
        "all": logged("Fresh feedback, like the test set", predictions),
        "news": logged("Fresh feedback, news only", predictions[predictions[contract.CATEGORY] == "News editorials"]),
    }


@pytest.fixture
def app_store(private_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> TrackingStore:
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(private_settings.data_dir))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return TrackingStore(private_settings.tracking_uri)


def open_overview(run_id: str, experiment_id: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["experiment"] = experiment_id
    at.query_params["run"] = run_id
    at.run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    return at


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [s.value for s in at.success] + [w.value for w in at.warning] + [e.value for e in at.error]
    return re.sub(r"\\(.)", r"\1", "\n".join(map(str, parts))).replace("\u2060", "")


def test_overview_of_an_unlabelled_run_leads_with_the_estimate_and_logs_it(
    app_store: TrackingStore, unlabelled_runs: dict[str, str]
) -> None:
    run = app_store.run(unlabelled_runs["all"])
    at = open_overview(run.run_id, run.experiment_id)
    text = page_text(at)
    headline = at.markdown[[m.value.startswith("#### ") for m in at.markdown].index(True)].value
    assert "probably right about" in headline and "This is an estimate: nobody has labelled them." in headline
    assert "4,488 reviews" in headline
    assert "calibrated on 4,488 reviews of the same model that people labelled" in text
    assert "On data like the labelled reviews, this estimate was within **±" in text
    assert "This feedback looks like the reviews the model was checked on" in text
    assert "of its words are new to the model" in text
    assert [s.value for s in at.success] and not at.warning and not at.error
    assert "Labelled correctly (estimated)" in [m.label for m in at.metric]
    assert "What the model says" in [s.value for s in at.subheader]

    logged = app_store.run(run.run_id)
    assert logged.tags[contract.TAG_ESTIMATE_REFERENCE_RUN] == unlabelled_runs["reference"]
    assert logged.tags[contract.TAG_DRIFT_LEVEL] == "similar"
    reference = app_store.run(unlabelled_runs["reference"])
    # The same reviews, so the estimate lands near the reference's real accuracy.
    assert logged.metrics["estimated_accuracy"] == pytest.approx(reference.metrics["accuracy_score"], abs=0.02)
    assert logged.metrics["estimated_accuracy_lower"] < logged.metrics["estimated_accuracy"] < logged.metrics["estimated_accuracy_upper"]


def test_news_editorials_alone_are_flagged_as_different(app_store: TrackingStore, unlabelled_runs: dict[str, str]) -> None:
    run = app_store.run(unlabelled_runs["news"])
    at = open_overview(run.run_id, run.experiment_id)
    [warning] = at.warning
    assert "This feedback looks quite different" in warning.value and "Trust the estimate less." in warning.value
    assert app_store.run(run.run_id).tags[contract.TAG_DRIFT_LEVEL] == "quite different"
    assert "992 reviews" in page_text(at)


def test_a_labelled_run_keeps_its_measured_overview(app_store: TrackingStore, unlabelled_runs: dict[str, str]) -> None:
    run = app_store.run(unlabelled_runs["reference"])
    text = page_text(open_overview(run.run_id, run.experiment_id))
    assert "The model labels" in text and "probably right about" not in text
    assert contract.TAG_ESTIMATE_REFERENCE_RUN not in app_store.run(run.run_id).tags


def test_evaluating_a_file_without_labels_logs_the_estimate(app_store: TrackingStore) -> None:
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page("pages/evaluate.py").run()
    data = (Path(__file__).resolve().parent / "data" / "no_label.csv").read_bytes()
    at.file_uploader(key="evaluate_file").upload("no_label.csv", data, "text/csv")
    at.run()
    next(b for b in at.main.button if b.label.startswith("Evaluate")).click().run()
    assert not at.exception, at.exception
    experiment = app_store.experiment_by_name(DEMO_EXPERIMENT)
    [run] = [r for r in app_store.runs(experiment.experiment_id) if r.tags.get(contract.TAG_DATASET_NAME) == "no_label.csv"]
    assert run.tags[contract.TAG_ESTIMATE_METHOD] == "cbpe-isotonic"
    assert 0 <= run.metrics["estimated_accuracy_lower"] <= run.metrics["estimated_accuracy"] <= run.metrics["estimated_accuracy_upper"] <= 1
    assert contract.DRIFT_SEPARABILITY_AUC not in run.metrics  # 12 reviews: too few for the quick classifier
