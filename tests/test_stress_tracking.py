"""A stress test stored with its run in a real MLflow store, and read back the same."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from lib.config import Settings
from lib.quality.stress import table_from_metrics
from lib.scoring.evaluation import log_evaluation_run
from lib.scoring.stress_test import log_stress_result, run_stress_test, stored_stress_result
from lib.stores import contract
from lib.stores.demo import DEMO_EXPERIMENT
from lib.stores.tracking import TrackingStore
from tests.private_store import private_copy


def test_result_round_trips_through_mlflow(demo_settings: Settings, tmp_path: Path) -> None:
    store = TrackingStore(private_copy(demo_settings, tmp_path / "store").tracking_uri)
    demo_run = next(
        r
        for r in store.runs(store.experiment_by_name(DEMO_EXPERIMENT).experiment_id)
        if r.is_finished and contract.PREDICTIONS_ARTIFACT in store.artifact_names(r.run_id)
    )
    predictions = store.predictions(demo_run.run_id).head(600)
    # A run of its own, in an experiment whose artifacts live in this test's folder (the demo's are shared).
    experiment_id = store.ensure_experiment("Stress round trip")
    run_id = log_evaluation_run(
        store, experiment_id=experiment_id, run_name="copy", predictions=predictions, dataset_name="demo", dataset_source="demo"
    )
    model = store.load_scoring_model(demo_run.model_uri)
    result = run_stress_test(model, predictions, sample_size=150, seed=11)

    log_stress_result(store, run_id, result, seed=11, model_uri=demo_run.model_uri)

    run = store.run(run_id)
    assert run.is_finished
    assert contract.ROBUSTNESS_ARTIFACT in store.artifact_names(run_id)
    assert json.loads(run.tags[contract.TAG_ROBUSTNESS]) == {"reviews": 150, "seed": 11, "model_uri": demo_run.model_uri}
    typos = result.row("typos")
    assert run.metrics["robustness.typos.flip_rate"] == typos["rate"]
    assert run.metrics["robustness.typos.example_count"] == typos["n"] == 150
    measured = result.table[result.table["n"] > 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(table_from_metrics(run.metrics), measured, check_dtype=False)
    stored = stored_stress_result(store, run_id, dict(run.tags))
    assert stored.reviews == 150
    pd.testing.assert_frame_equal(stored.table, result.table)
    pd.testing.assert_frame_equal(stored.pairs.reset_index(drop=True), result.pairs.reset_index(drop=True), check_dtype=False)
    assert stored_stress_result(store, demo_run.run_id, dict(demo_run.tags)) is None
