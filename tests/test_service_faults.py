"""Services failing under the running app: the MLflow server, PostgreSQL, a read-only SQLite file.

Each outage gives a plain message (no traceback), the rest of the app keeps working, nothing
already stored is lost, and the app recovers by itself once the service is back: no cached
client, engine or failure outlives the outage.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.config import load_settings
from lib.errors import UserFacingError
from lib.scoring.evaluation import log_evaluation_run
from lib.stores.annotations import AnnotationStore
from lib.stores.demo import DEMO_EXPERIMENT
from lib.stores.tracking import TrackingStore
from tests.helpers import by_label, open_app, open_page, page_text, start_annotating
from tests.mlflow_server import MlflowServer
from tests.servers import PostgresServer, postgres_bin_dir
from tests.test_remote_tracking import _predictions

pytestmark = pytest.mark.server

SAVE = "Save and go to the next review"
PAUSED = "annotating is paused"


def _refresh(at: AppTest) -> AppTest:
    return by_label(at.sidebar.button, "↻ Refresh").click().run()


def _save_verdict(at: AppTest, verdict: str) -> AppTest:
    by_label(at.radio, "Verdict").set_value(verdict)
    return by_label(at.button, SAVE).click().run()


# ---------------------------------------------------------------- the MLflow tracking server


@pytest.fixture
def mlflow_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[MlflowServer, str]]:
    """A real `mlflow server` holding one evaluation run, with the app pointed at it: (server, run id)."""
    with MlflowServer(tmp_path / "mlflow") as server:
        store = TrackingStore(server.url)
        run_id = log_evaluation_run(
            store,
            experiment_id=store.ensure_experiment("Outage check"),
            run_name="Before the outage",
            predictions=_predictions(),
            dataset_name="hand-made reviews",
            dataset_source="tests/test_service_faults.py",
        )
        monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
        monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(tmp_path / "app"))
        yield server, run_id


def test_tracking_server_stopped_and_started_again(mlflow_server: tuple[MlflowServer, str]) -> None:
    server, run_id = mlflow_server
    at = open_app()
    assert not at.exception and "of reviews correctly" in page_text(at)

    server.stop()
    with pytest.raises(UserFacingError, match="cannot be read right now"):  # not "this run has no predictions", which pages cache
        TrackingStore(server.url).predictions(run_id)
    at = _refresh(at)
    assert not at.exception
    assert "cannot be read right now" in page_text(at) and "Check that the MLflow server is running" in page_text(at)
    at = at.switch_page("pages/compare.py").run()  # another page: the same plain message, no traceback
    assert not at.exception and "cannot be read right now" in page_text(at)

    server.start()  # same port, same store
    at = _refresh(at.switch_page("pages/overview.py"))
    assert not at.exception
    assert "cannot be read right now" not in page_text(at)
    assert "of reviews correctly" in page_text(at)
    assert any("Before the outage" in option for option in at.sidebar.selectbox[1].options)


# ---------------------------------------------------------------- PostgreSQL annotations


@pytest.fixture
def postgres(app_env, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[PostgresServer, str]]:
    """A PostgreSQL server of this test alone (it is stopped midway), holding the app's annotations."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.fail("PostgreSQL server binaries are missing: apt-get install -y postgresql", pytrace=False)
    with PostgresServer(bin_dir, settings={"fsync": "off"}) as server:
        url = server.create_database("annotations")
        monkeypatch.setenv("SENTIMENT_REVIEW_ANNOTATIONS_DB_URL", url)
        yield server, url


def _demo_experiment_id() -> str:
    """The demo experiment of the store the app is pointed at (by ``app_env``)."""
    return TrackingStore(load_settings().tracking_uri).experiment_by_name(DEMO_EXPERIMENT).experiment_id


def test_postgres_stopped_mid_annotation_and_started_again(postgres: tuple[PostgresServer, str]) -> None:
    server, url = postgres
    at = start_annotating(open_page("pages/mistakes.py"), "Alice")
    at = _save_verdict(at, "label_wrong")
    assert not at.exception and len(AnnotationStore(url).current(_demo_experiment_id())) == 1
    pending = at.session_state["mistakes_current_review"]

    server.halt()
    at = _save_verdict(at, "ambiguous")
    assert not at.exception
    assert "cannot be read right now" in page_text(at) and PAUSED in page_text(at)
    assert not [b for b in at.button if b.label == SAVE]  # no form to half-write into
    assert at.session_state["mistakes_current_review"] == pending  # the review waits for its verdict
    overview = at.switch_page("pages/overview.py").run()
    assert not overview.exception and "of reviews correctly" in page_text(overview)  # the rest of the app works

    server.resume()
    at = _save_verdict(overview.switch_page("pages/mistakes.py").run(), "ambiguous")
    assert not at.exception and PAUSED not in page_text(at)
    saved = AnnotationStore(url).current(_demo_experiment_id())
    assert sorted(saved["verdict"]) == ["ambiguous", "label_wrong"]  # the earlier one is still there
    assert pending in set(saved["review_id"])


# ---------------------------------------------------------------- a read-only SQLite file


@contextlib.contextmanager
def _read_only_file(path: Path) -> Iterator[None]:
    """Make a file read-only for this process; root ignores permissions, so it gets the immutable flag."""
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        path.chmod(0o444)
    try:
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(0o644)


def test_read_only_annotations_file_pauses_annotating_and_recovers(app_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "annotations.db"
    url = f"sqlite:///{database}"
    monkeypatch.setenv("SENTIMENT_REVIEW_ANNOTATIONS_DB_URL", url)
    earlier = AnnotationStore(url)
    earlier.record(
        experiment_id=_demo_experiment_id(),
        review_key="k" * 32,
        dataset="stored before",
        review_id="stored-before",
        run_id="r",
        model_uri="",
        annotator="Bob",
        verdict="model_wrong",
        corrected_label=None,
        expected_version=0,
    )
    earlier.close()

    with _read_only_file(database):
        at = open_page("pages/mistakes.py")
        assert not at.exception
        assert "read-only" in page_text(at) and PAUSED in page_text(at)
        assert not [b for b in at.button if b.label == SAVE]
        assert at.dataframe, "the mistakes are still listed"
        at = at.switch_page("pages/overview.py").run()
        assert not at.exception and "of reviews correctly" in page_text(at)

    at = at.switch_page("pages/mistakes.py").run()  # the same process and cached store: no restart
    assert not at.exception and PAUSED not in page_text(at)
    at = _save_verdict(start_annotating(at, "Alice"), "ambiguous")
    assert not at.exception
    assert sorted(AnnotationStore(url).history_frame(_demo_experiment_id())["annotator"]) == ["Alice", "Bob"]
