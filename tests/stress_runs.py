"""A run of the demo's champion in an experiment of its own, so a test may store a stress test with it.

The demo runs of a private store copy keep their artifacts in the shared session store
(tests/private_store.py); a run logged here keeps its artifacts beside the copy.
"""

from __future__ import annotations

from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.demo import DEMO_EXPERIMENT, DEMO_MODEL_NAME
from lib.stores.tracking import RunSummary, TrackingStore

STRESS_EXPERIMENT = "Champion under stress"


def champion_run(store: TrackingStore, reviews: int = 800, alias: str = "champion") -> RunSummary:
    """A FINISHED evaluation run of the champion's (or another alias's) exact version on some of the demo's test reviews."""
    version = store.registered_model_aliases(DEMO_MODEL_NAME)[alias]
    model_uri = f"models:/{DEMO_MODEL_NAME}/{version}"
    demo = store.experiment_by_name(DEMO_EXPERIMENT).experiment_id
    source = next(
        r for r in store.runs(demo) if r.model_uri == model_uri and contract.PREDICTIONS_ARTIFACT in store.artifact_names(r.run_id)
    )
    run_id = log_evaluation_run(
        store,
        experiment_id=store.ensure_experiment(STRESS_EXPERIMENT),
        run_name=f"{alias.capitalize()} on demo reviews",
        predictions=store.predictions(source.run_id).head(reviews),
        dataset_name="VADER test reviews",
        dataset_source="demo",
        model_uri=model_uri,
        model_description=source.model_description,
    )
    return store.run(run_id)
