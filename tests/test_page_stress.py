"""Page test of Stress test: run the test on the champion, read the sentences and examples, find them stored (AppTest)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.config import Settings
from lib.quality.stress import robustness_difference, table_from_metrics
from lib.scoring.stress_test import log_stress_result, run_stress_test
from lib.stores import contract
from lib.stores.tracking import TrackingStore
from lib.wording.stress import comparison_sentence, finding_sentence, robustness_summary
from tests.conftest import PROJECT_ROOT
from tests.private_store import private_copy
from tests.stress_runs import champion_run

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture
def store(demo_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TrackingStore:
    """The app pointed at a private copy of the demo store; returns that store."""
    private = private_copy(demo_settings, tmp_path / "store")
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(private.data_dir))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return TrackingStore(private.tracking_uri)


def text_of(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info] + [s.value for s in at.success]
    return re.sub(r"\\(.)", r"\1", "\n".join(map(str, parts))).replace("\u2060", "")


def test_stress_test_runs_on_the_champion_and_is_stored_with_its_run(store: TrackingStore) -> None:
    run = champion_run(store)
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["experiment"] = run.experiment_id
    at.query_params["run"] = run.run_id
    at.run()
    at = at.switch_page("pages/stress_test.py").run()
    assert not at.exception
    assert "has not been stress-tested yet" in text_of(at)
    assert table_from_metrics(store.run(run.run_id).metrics) is None

    at.number_input[0].set_value(300)
    at = next(b for b in at.main.button if b.label == "Run the stress test").click().run()
    assert not at.exception and not at.error
    text = text_of(at)
    assert "Stress test finished and stored with the run." in text

    stored = store.run(run.run_id)
    table = table_from_metrics(stored.metrics)
    typos = table.set_index("change").loc["typos"]
    assert typos["n"] == 300
    # Each stored figure is said in words on the page, with its interval and basis.
    for row in table.itertuples():
        assert finding_sentence(row.change, row.kind, row.failed, row.n, row.low, row.high) in text
    assert re.search(
        r"Typos \(.*\) change the model's answer on \*\*\d+%\*\* of reviews \(95% interval \d+%–\d+%, from 300 reviews\)", text
    )
    assert "Giskard reports that typos change the answer of public sentiment models on 13%–15% of reviews. This model:" in text
    assert "Tested on a sample of 300 reviews (seed 0)" in text
    assert contract.ROBUSTNESS_ARTIFACT in store.artifact_names(run.run_id)
    # Examples: original and changed side by side, the changed words marked, the answers said.
    assert "Original review" in text and "Changed review" in text
    assert any("<mark" in h.proto.body for h in at.get("html"))
    assert re.search(r"The model said \*\*(negative|neutral|positive)\*\*, then \*\*(negative|neutral|positive)\*\*\.", text)

    # Opened again later, the stored test is read back, not run again.
    again = AppTest.from_file(APP, default_timeout=300)
    again.query_params["experiment"] = run.experiment_id
    again.query_params["run"] = run.run_id
    again.run()
    again = again.switch_page("pages/stress_test.py").run()
    assert not again.exception
    assert "Run the stress test again" in [b.label for b in again.main.button]
    assert finding_sentence("typos", "invariance", int(typos["failed"]), 300, typos["low"], typos["high"]) in text_of(again)


def test_compare_says_which_of_two_stress_tested_runs_is_more_robust(store: TrackingStore) -> None:
    runs = [champion_run(store, alias=alias) for alias in ("champion", "challenger")]
    for run in runs:
        result = run_stress_test(store.load_scoring_model(run.model_uri), store.predictions(run.run_id), sample_size=300)
        log_stress_result(store, run.run_id, result, seed=0, model_uri=run.model_uri)
    baseline, new = (table_from_metrics(store.run(run.run_id).metrics) for run in runs)
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["experiment"] = runs[1].experiment_id
    at.query_params["run"] = runs[1].run_id
    at.run()
    at = at.switch_page("pages/compare.py").run()
    assert not at.exception
    text = text_of(at)
    differences = robustness_difference(baseline, new)
    assert len(differences) >= 9  # every change that applied to some of the 300 reviews
    assert robustness_summary(differences["verdict"].tolist()) in text
    for row in differences.itertuples():
        assert comparison_sentence(row.change, row.baseline, row.new, row.low, row.high, row.verdict) in text
