"""lib/stores/demo.py: the shipped data's split, seeding once, repairing an interrupted seeding."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib.config import Settings
from lib.stores import contract
from lib.stores.demo import DEMO_EXPERIMENT, DEMO_MODEL_NAME, MODEL_SPECS, SEED_ARTICLE_RUN, is_seeded, load_demo_data, seed_demo
from lib.stores.tracking import TrackingStore
from tests.conftest import settings_for


@pytest.fixture(scope="module")
def demo_data() -> pd.DataFrame:
    return load_demo_data()


def test_no_review_is_split_between_train_and_test(demo_data: pd.DataFrame) -> None:
    splits_per_group = demo_data.groupby("group_id")["split"].nunique()
    assert (splits_per_group == 1).all()
    assert set(demo_data["split"]) == {"train", "test"}
    assert 0.15 <= (demo_data["split"] == "test").mean() <= 0.25
    # Sentence ids are "<source>:<review>_<sentence>": the review part is the group.
    assert (demo_data["review_id"].str.rsplit("_", n=1).str[0] == demo_data["group_id"]).all()
    assert demo_data["review_id"].is_unique


def test_demo_data_has_the_documented_shape(demo_data: pd.DataFrame) -> None:
    shares = demo_data["label"].value_counts(normalize=True)
    assert shares["negative"] == pytest.approx(0.39, abs=0.02)
    assert shares["neutral"] == pytest.approx(0.18, abs=0.02)
    assert shares["positive"] == pytest.approx(0.43, abs=0.02)
    assert demo_data["category"].nunique() == 4
    assert set(demo_data.loc[demo_data["split"] == "test", "category"]) == set(demo_data["category"])
    assert demo_data["ratings"].map(len).min() > 0
    assert demo_data["text"].str.strip().str.len().min() > 0
    # The label is the mean human rating: at most -0.5 negative, at least +0.5 positive.
    mean = demo_data["mean_rating"]
    expected = np.where(mean <= -0.5, "negative", np.where(mean >= 0.5, "positive", "neutral"))
    assert (expected == demo_data["label"].to_numpy()).all()


def test_seeding_a_seeded_store_does_nothing(demo_settings: Settings, demo_store: TrackingStore) -> None:
    experiment = demo_store.experiment_by_name(DEMO_EXPERIMENT)
    assert experiment is not None and is_seeded(demo_store)
    before = {run.run_id for run in demo_store.runs(experiment.experiment_id)}
    progress: list[tuple[float, str]] = []
    assert seed_demo(demo_settings, demo_store, lambda share, message: progress.append((share, message))) is False
    assert {run.run_id for run in demo_store.runs(experiment.experiment_id)} == before
    assert progress == []


def test_interrupted_seeding_is_repaired_once_by_two_sessions_at_the_same_moment(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    setup = TrackingStore(settings.tracking_uri)
    # What an interrupted seeding leaves behind: the experiment without its "complete" tag, one stray run.
    experiment_id = setup.ensure_experiment(DEMO_EXPERIMENT, artifact_location=settings.artifact_root.as_uri())
    stray = setup.start_run(experiment_id, MODEL_SPECS[0].run_name, {})
    assert not is_seeded(setup)

    stores = [TrackingStore(settings.tracking_uri) for _ in range(2)]
    start = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []
    progress: list[tuple[float, str]] = []

    def session(store: TrackingStore) -> None:
        start.wait()
        try:
            results.append(seed_demo(settings, store, lambda share, message: progress.append((share, message))))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=session, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)

    assert errors == []
    assert sorted(results) == [False, True]
    assert is_seeded(setup)
    assert progress[-1] == (1.0, "Demo ready")
    assert [share for share, _ in progress] == sorted(share for share, _ in progress)
    # Same experiment, rebuilt: the stray run is gone, the four demo runs are there and finished.
    assert setup.experiment_by_name(DEMO_EXPERIMENT).experiment_id == experiment_id
    runs = setup.runs(experiment_id)
    assert stray not in {run.run_id for run in runs}
    assert sorted(run.name for run in runs) == sorted([*(spec.run_name for spec in MODEL_SPECS), SEED_ARTICLE_RUN])
    assert all(run.is_finished for run in runs)
    assert sum(run.is_baseline for run in runs) == 1
    assert set(setup.registered_model_aliases(DEMO_MODEL_NAME)) == {"champion", "challenger"}
    assert any((settings.artifact_root).rglob(contract.PREDICTIONS_ARTIFACT))
