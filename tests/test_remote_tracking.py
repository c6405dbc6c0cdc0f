"""The app against a real `mlflow server`: configuration alone switches the tracking store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.config import load_settings
from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.tracking import TrackingStore
from tests.mlflow_server import MlflowServer

pytestmark = pytest.mark.server

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT = "Remote store check"
RUN_NAME = "Remote run: hand-made predictions"


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real MLflow tracking server (SQLite backend, proxied artifacts) on 127.0.0.1."""
    with MlflowServer(tmp_path_factory.mktemp("mlflow_server")) as server:
        yield server.url


def _predictions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            contract.REVIEW_ID: ["r1", "r2", "r3", "r4", "r5", "r6"],
            contract.TEXT: ["Loved it", "Terrible", "It is a phone", "Great value", "Broke in a day", "Fine, I guess"],
            contract.TRUE_LABEL: ["positive", "negative", "neutral", "positive", "negative", "neutral"],
            contract.PREDICTED_LABEL: ["positive", "negative", "positive", "positive", "neutral", "neutral"],
            contract.CATEGORY: ["products", "products", "products", "books", "books", "books"],
        }
    )


@pytest.fixture(scope="module")
def logged_run(server_url: str) -> tuple[TrackingStore, str, str]:
    """An evaluation run logged through the server: (store, experiment id, run id)."""
    store = TrackingStore(server_url)
    experiment_id = store.ensure_experiment(EXPERIMENT)
    run_id = log_evaluation_run(
        store,
        experiment_id=experiment_id,
        run_name=RUN_NAME,
        predictions=_predictions(),
        dataset_name="hand-made reviews",
        dataset_source="tests/test_remote_tracking.py",
        model_description="no model: predictions written by hand",
    )
    return store, experiment_id, run_id


def test_run_logged_through_server_reads_back_identically(logged_run: tuple[TrackingStore, str, str], server_url: str) -> None:
    store, experiment_id, run_id = logged_run
    reader = TrackingStore(server_url)  # a fresh client, as another app replica would have

    assert [(e.experiment_id, e.name) for e in reader.experiments()] == [(experiment_id, EXPERIMENT)]
    runs = reader.runs(experiment_id)
    assert [(r.run_id, r.name, r.status) for r in runs] == [(run_id, RUN_NAME, "FINISHED")]
    run = runs[0]
    assert run.tags[contract.TAG_RUN_KIND] == contract.RUN_KIND_EVALUATION
    assert run.metrics["example_count"] == 6
    assert run.metrics["accuracy_score"] == pytest.approx(4 / 6)
    assert run.metrics["category.books.example_count"] == 3
    assert contract.PREDICTIONS_ARTIFACT in reader.artifact_names(run_id)

    back = reader.predictions(run_id)
    pd.testing.assert_frame_equal(back, _predictions(), check_dtype=False)
    assert reader.runs(experiment_id) == store.runs(experiment_id)


def test_configuration_alone_switches_to_the_server(server_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        {"MLFLOW_TRACKING_URI": server_url, "SENTIMENT_REVIEW_DATA_DIR": str(tmp_path)}, secrets_file=tmp_path / "none.toml"
    )
    assert settings.tracking_uri == server_url
    assert settings.seed_demo is False
    assert not settings.uses_embedded_store


def test_app_renders_run_from_server(
    logged_run: tuple[TrackingStore, str, str], server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server_url)
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SENTIMENT_REVIEW_SEED_DEMO", raising=False)
    monkeypatch.chdir(PROJECT_ROOT)

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()

    assert not at.exception, [e.value for e in at.exception]
    shown = [m.value for m in at.markdown] + [m.value for m in at.caption] + [o for s in at.selectbox for o in s.options]
    assert any(RUN_NAME in text for text in shown), shown
    assert any("of reviews correctly" in m.value for m in at.markdown)
    assert not (tmp_path / "mlflow.db").exists(), "pointed at a server, the app must not seed an embedded demo store"
