"""Models to evaluate with, from lib/stores/tracking.py: listing, resolving, loading; finding runs by tags."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from lib.errors import UserFacingError
from lib.stores import contract
from lib.stores.demo import DEMO_EXPERIMENT, DEMO_MODEL_NAME, MODEL_SPECS
from lib.stores.tracking import TrackingStore


def test_model_choices_list_aliases_first_then_versions_newest_first(demo_store: TrackingStore) -> None:
    choices = demo_store.model_choices()
    demo_experiment = demo_store.experiment_by_name(DEMO_EXPERIMENT)
    assert [c.uri for c in choices] == [
        f"models:/{DEMO_MODEL_NAME}@challenger",
        f"models:/{DEMO_MODEL_NAME}@champion",
        f"models:/{DEMO_MODEL_NAME}/3",
        f"models:/{DEMO_MODEL_NAME}/2",
        f"models:/{DEMO_MODEL_NAME}/1",
    ]
    champion = choices[1]
    assert (champion.alias, champion.version, champion.version_uri) == ("champion", "1", f"models:/{DEMO_MODEL_NAME}/1")
    assert champion.description == MODEL_SPECS[0].description
    assert {c.experiment_id for c in choices} == {demo_experiment.experiment_id}


def test_a_typed_model_uri_is_resolved_to_its_version(demo_store: TrackingStore) -> None:
    challenger = demo_store.model_choice(f" models:/{DEMO_MODEL_NAME}@challenger ")
    assert challenger.version_uri == f"models:/{DEMO_MODEL_NAME}/3" and challenger.alias == "challenger"
    assert challenger.description == MODEL_SPECS[-1].description
    version = demo_store.model_choice(f"models:/{DEMO_MODEL_NAME}/2")
    assert version.version_uri == version.uri and version.experiment_id == challenger.experiment_id
    for unknown in (f"models:/{DEMO_MODEL_NAME}@nobody", "models:/no-such-model/1", "runs:/0123456789abcdef/model"):
        with pytest.raises(UserFacingError, match="No model was found at"):
            demo_store.model_choice(unknown)


def test_scikit_learn_models_load_natively_with_their_input_column(demo_store: TrackingStore) -> None:
    loaded = demo_store.load_scoring_model(f"models:/{DEMO_MODEL_NAME}/1")
    assert loaded.input_column == contract.TEXT and loaded.uri == f"models:/{DEMO_MODEL_NAME}/1"
    proba = loaded.model.predict_proba(pd.DataFrame({contract.TEXT: ["What a lovely, happy day", "Awful, broken, useless"]}))
    assert proba.shape == (2, 3)
    assert list(loaded.model.classes_[proba.argmax(axis=1)]) == ["positive", "negative"]
    with pytest.raises(UserFacingError, match="could not be loaded"):
        demo_store.load_scoring_model("models:/no-such-model/1")


def test_finished_runs_are_found_by_tag_values_across_experiments(demo_store: TrackingStore) -> None:
    baseline_uri = f"models:/{DEMO_MODEL_NAME}/1"
    found = demo_store.finished_runs_tagged({contract.TAG_MODEL_URI: baseline_uri})
    assert len(found) == 2 and all(run.is_finished and run.model_uri == baseline_uri for run in found)
    assert [run.start_time for run in found] == sorted((run.start_time for run in found), reverse=True)
    digest = found[-1].dataset_hash
    assert [
        r.run_id for r in demo_store.finished_runs_tagged({contract.TAG_MODEL_URI: baseline_uri, contract.TAG_DATASET_HASH: digest})
    ] == [found[-1].run_id]
    assert demo_store.finished_runs_tagged({contract.TAG_MODEL_URI: "it's quoted"}) == []


def test_dataset_input_schema_from_a_sample_equals_mlflows_full_inference(demo_store: TrackingStore, tmp_path) -> None:
    import mlflow.data

    store = TrackingStore(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment_id = store.ensure_experiment("Inputs", artifact_location=(tmp_path / "artifacts").as_uri())
    rows = 3000
    frame = pd.DataFrame(
        {
            "review_id": [str(i) for i in range(rows)],
            "text": ["some review"] * rows,
            "category": ["A"] * (rows - 1) + [None],  # missing only after the first rows
            "score": np.linspace(0, 1, rows),
        }
    ).astype({"review_id": "string", "text": "string", "category": "string"})
    run_id = store.start_run(experiment_id, "inputs", {})
    store.log_dataset_input(run_id, frame, name="d", digest="abc", source="d.csv", targets=None)
    [logged] = MlflowClient(store.tracking_uri).get_run(run_id).inputs.dataset_inputs
    full = mlflow.data.from_pandas(frame, source="d.csv", name="d", digest="abc")._to_mlflow_entity()
    assert logged.dataset.schema == full.schema
    assert json.loads(logged.dataset.profile) == {"num_rows": rows, "num_elements": rows * 4}
    assert {"name": "category", "type": "string", "required": False} in json.loads(logged.dataset.schema)["mlflow_colspec"]
