"""Runs left RUNNING by a killed writer are marked FAILED ("interrupted"); finished runs are complete."""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.config import DEMO_DATA_FILE
from lib.stores import contract
from lib.stores.demo import ModelSpec
from lib.stores.run_health import INTERRUPTED, STALE_AFTER, heal_interrupted, is_interrupted, writer_identity, writer_is_gone
from lib.stores.tracking import RunSummary, TrackingStore
from lib.wording import run_narrative
from tests.conftest import PROJECT_ROOT, settings_for

KILLS = 20
KILL_SEED = 20261202
WRITER_READY_TIMEOUT_S = 60


def _run(status: str, tags: dict[str, str], started_ago: timedelta) -> RunSummary:
    return RunSummary("r1", "1", "a run", status, datetime.now(UTC) - started_ago, {}, {}, tags)


def _identity_of_a_finished_process() -> str:
    done = subprocess.run(
        [sys.executable, "-c", "from lib.stores.run_health import writer_identity; print(writer_identity())"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_a_writer_that_exited_is_gone_and_this_process_is_not() -> None:
    assert writer_is_gone(_identity_of_a_finished_process())
    assert not writer_is_gone(writer_identity())


def test_a_writer_on_another_host_is_judged_by_age_only() -> None:
    elsewhere = {contract.TAG_WRITER: "another-host 1 boot:1"}
    now = datetime.now(UTC)
    assert not writer_is_gone(elsewhere[contract.TAG_WRITER])
    assert not is_interrupted(_run("RUNNING", elsewhere, STALE_AFTER - timedelta(minutes=1)), now)
    assert is_interrupted(_run("RUNNING", elsewhere, STALE_AFTER + timedelta(minutes=1)), now)


def test_only_running_runs_of_the_apps_kind_are_judged() -> None:
    now, old = datetime.now(UTC), STALE_AFTER * 2
    dead_writer = {contract.TAG_WRITER: _identity_of_a_finished_process()}
    assert is_interrupted(_run("RUNNING", dead_writer, timedelta(seconds=1)), now)  # no need to wait for the timeout
    assert is_interrupted(_run("RUNNING", {contract.TAG_RUN_KIND: contract.RUN_KIND_EVALUATION}, old), now)
    assert not is_interrupted(_run("RUNNING", {}, old), now)  # logged by someone else's code
    assert not is_interrupted(_run("FINISHED", dead_writer, old), now)
    assert not is_interrupted(_run("RUNNING", {contract.TAG_WRITER: writer_identity()}, timedelta(minutes=1)), now)


def test_an_interrupted_run_is_explained_in_plain_words() -> None:
    message = run_narrative.status_message("FAILED", INTERRUPTED)
    assert message is not None and "interrupted" in message and "again" in message


@pytest.fixture
def kill_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[TrackingStore, str, Path]:
    """An empty embedded store the app is pointed at, with one experiment and a small file of reviews."""
    settings = settings_for(tmp_path, SENTIMENT_REVIEW_SEED_DEMO="false")
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SENTIMENT_REVIEW_SEED_DEMO", "false")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    store = TrackingStore(settings.tracking_uri)
    experiment_id = store.ensure_experiment("Kill test")
    reviews = pd.read_parquet(DEMO_DATA_FILE).sample(200, random_state=1)
    reviews = reviews.rename(columns={"label": contract.TRUE_LABEL})[
        [contract.REVIEW_ID, contract.TEXT, contract.TRUE_LABEL, contract.CATEGORY]
    ]
    csv = tmp_path / "kill.csv"
    reviews.to_csv(csv, index=False)
    return store, experiment_id, csv


def _read_line(process: subprocess.Popen, timeout_s: float) -> str:
    ready, _, _ = select.select([process.stdout], [], [], timeout_s)
    if not ready:
        pytest.fail(f"the writer process said nothing within {timeout_s} s")
    return process.stdout.readline().strip()


def _kill_writers_at_random_moments(store: TrackingStore, experiment_id: str, csv: Path) -> None:
    rng = random.Random(KILL_SEED)
    command = [sys.executable, "-m", "tests.interrupted_writer", store.tracking_uri, experiment_id, str(csv)]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert _read_line(process, WRITER_READY_TIMEOUT_S) == "ready"
        for _kill in range(KILLS):
            process.stdin.write("go\n")
            process.stdin.flush()
            writer = int(_read_line(process, WRITER_READY_TIMEOUT_S))
            time.sleep(rng.uniform(0.2, 1.2))  # opening the store takes ~0.2 s; a run is logged in ~0.1 s
            os.kill(writer, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)


def test_runs_of_writers_killed_at_random_moments_end_finished_and_complete_or_interrupted(kill_store) -> None:
    store, experiment_id, csv = kill_store
    _kill_writers_at_random_moments(store, experiment_id, csv)

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120).run()  # the app's start heals the store

    assert not at.exception
    runs = store.runs(experiment_id)
    statuses = pd.Series([run.status for run in runs]).value_counts().to_dict()
    assert set(statuses) <= {"FINISHED", "FAILED"}, statuses
    assert statuses.get("FAILED", 0) >= 1, "no kill landed while a run was being written"
    assert statuses.get("FINISHED", 0) >= 1, "no writer finished a run before it was killed"
    for run in runs:
        if run.status == "FAILED":
            assert run.tags[contract.TAG_FAILURE] == INTERRUPTED
        else:
            predictions = store.predictions(run.run_id)
            assert predictions is not None and len(predictions) == 200
            assert run.metrics["example_count"] == 200 and "accuracy_score" in run.metrics
    picker = at.sidebar.selectbox(key=f"run_picker_{experiment_id}")
    assert len(picker.options) == len(runs)
    assert not any("running" in label for label in picker.options)
    shown = " ".join(str(element.value) for element in [*at.markdown, *at.warning, *at.info, *at.caption])
    assert "in progress" not in shown


def test_listing_runs_marks_an_interrupted_one(kill_store) -> None:
    store, experiment_id, _ = kill_store
    orphan = store.start_run(experiment_id, "orphan", {contract.TAG_RUN_KIND: contract.RUN_KIND_EVALUATION})
    store.start_run(experiment_id, "alive", {contract.TAG_RUN_KIND: contract.RUN_KIND_EVALUATION})
    later = datetime.now(UTC) + STALE_AFTER + timedelta(minutes=1)

    listed = heal_interrupted(store, [r for r in store.runs(experiment_id) if r.run_id == orphan], now=later)

    assert [(r.run_id, r.status, r.tags[contract.TAG_FAILURE]) for r in listed] == [(orphan, "FAILED", INTERRUPTED)]
    stored = {r.name: r.status for r in store.runs(experiment_id)}
    assert stored == {"orphan": "FAILED", "alive": "RUNNING"}


def test_logging_a_model_leaves_the_run_running_until_its_evaluation_is_logged(kill_store) -> None:
    store, experiment_id, csv = kill_store
    reviews = pd.read_csv(csv).head(40)
    model = ModelSpec("tiny", "tiny", {}, None, None).build().fit(reviews[[contract.TEXT]], reviews[contract.TRUE_LABEL])
    run_id = store.start_run(experiment_id, "model first", {contract.TAG_RUN_KIND: contract.RUN_KIND_EVALUATION})

    store.log_sklearn_model(run_id, model, reviews[[contract.TEXT]].head(3))

    assert store.run(run_id).status == "RUNNING"  # a kill now leaves it to be marked interrupted, never FINISHED without predictions
