"""Page tests of Categories and Compare, through Streamlit's AppTest, on the demo and on a small hand-made store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from lib.quality.metrics import MIN_REVIEWS_TO_JUDGE, NO_CATEGORY, SENTIMENT_LABELS
from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.demo import DEMO_EXPERIMENT
from lib.stores.tracking import TrackingStore
from lib.wording import compare_narrative
from lib.wording.markdown import escape_markdown
from lib.wording.numbers import percent
from tests.conftest import settings_for
from tests.helpers import numbers, open_page, page_text

LABELS = SENTIMENT_LABELS


def demo_runs(store: TrackingStore) -> tuple[str, dict[str, str]]:
    """The demo experiment's id and its run ids by role."""
    experiment = store.experiment_by_name(DEMO_EXPERIMENT)
    runs = store.runs(experiment.experiment_id)
    by_role = {
        "baseline": next(r.run_id for r in runs if r.is_baseline),
        "iteration 2": next(r.run_id for r in runs if r.name.startswith("Iteration 2")),
    }
    return experiment.experiment_id, by_role


# ---- Categories on the demo ------------------------------------------------------------


def test_categories_metric_picker_changes_the_table(app_env, demo_store: TrackingStore) -> None:
    experiment_id, runs = demo_runs(demo_store)
    at = open_page("pages/categories.py", experiment=experiment_id, run=runs["iteration 2"])
    assert "Where is the model weak?" in [t.value for t in at.title]
    table = at.dataframe[0].value
    assert "Balanced score (macro F1)" in table.columns
    assert "clearly worse than all reviews together" in page_text(at)
    assert "Gap between" in page_text(at)
    # On the demo 3 of 4 categories score below all reviews together on macro F1: said why.
    assert "3 of the 4 categories score below all reviews together" in page_text(at)

    at.selectbox(key="category_metric").set_value("accuracy").run()
    assert not at.exception
    table = at.dataframe[0].value.set_index("Category")
    assert "Labelled correctly" in table.columns and "Balanced score (macro F1)" not in table.columns
    assert "Out of every 100 reviews" in page_text(at)  # the one-line explanation follows the picker
    assert "score below all reviews together" not in page_text(at)  # accuracy is a weighted average of the categories
    # Every figure in the table equals the share of right answers counted from the run's predictions.
    predictions = demo_store.predictions(runs["iteration 2"])
    right = (predictions[contract.TRUE_LABEL] == predictions[contract.PREDICTED_LABEL]).groupby(predictions[contract.CATEGORY])
    assert set(table.index) == set(right.groups)
    for category, share in right.mean().items():
        assert table.loc[category, "Labelled correctly"] == percent(share)
        assert table.loc[category, "Reviews"] == right.size()[category]
    assert list(table["Labelled correctly"].str.rstrip("%").astype(int)) == sorted(table["Labelled correctly"].str.rstrip("%").astype(int))


def test_categories_accuracy_shows_the_human_ceiling(app_env, demo_store: TrackingStore) -> None:
    experiment_id, runs = demo_runs(demo_store)
    at = open_page("pages/categories.py", experiment=experiment_id, run=runs["iteration 2"])
    assert "single human rater" not in page_text(at)  # macro F1 has no human counterpart
    at.selectbox(key="category_metric").set_value("accuracy").run()
    text = page_text(at)
    assert "single human rater" in text
    assert "Green diamonds" in text
    table = at.dataframe[0].value
    ceiling = table["A single person agrees with the crowd"]
    assert ceiling.str.endswith("%").all()
    assert at.expander and "human ceiling" in at.expander[0].label.lower()


def test_categories_recall_picker_uses_recall_figures(app_env, demo_store: TrackingStore) -> None:
    experiment_id, runs = demo_runs(demo_store)
    at = open_page("pages/categories.py", experiment=experiment_id, run=runs["baseline"])
    at.selectbox(key="category_metric").set_value("recall:neutral").run()
    assert not at.exception
    table = at.dataframe[0].value.set_index("Category")
    predictions = demo_store.predictions(runs["baseline"])
    neutral = predictions[predictions[contract.TRUE_LABEL] == "neutral"]
    found = (neutral[contract.PREDICTED_LABEL] == "neutral").groupby(neutral[contract.CATEGORY])
    for category, share in found.mean().items():
        assert table.loc[category, "Finds neutral reviews (recall)"] == percent(share)
        assert table.loc[category, "Reviews"] == found.size()[category]  # truly neutral reviews


# ---- a small hand-made store -----------------------------------------------------------


@dataclass(frozen=True)
class SmallStore:
    data_dir: Path
    experiments: dict[str, str]


WRONG_ANSWER = {"negative": "neutral", "neutral": "positive", "positive": "negative"}


def hand_made_predictions(sizes: dict[str | None, int], seed: int, id_prefix: str = "r") -> pd.DataFrame:
    """Reviews with true and predicted labels; 'Editorials' is always wrong."""
    rng = np.random.default_rng(seed)
    rows = []
    for name, size in sizes.items():
        truth = rng.choice(LABELS, size=size)
        right = rng.random(size) < (0.0 if name == "Editorials" else 0.75)
        said = np.where(right, truth, [WRONG_ANSWER[t] for t in truth])
        for t, s in zip(truth, said, strict=True):
            rows.append({contract.TRUE_LABEL: t, contract.PREDICTED_LABEL: s, contract.CATEGORY: name})
    frame = pd.DataFrame(rows)
    frame.insert(0, contract.REVIEW_ID, [f"{id_prefix}{i}" for i in range(len(frame))])
    frame.insert(1, contract.TEXT, [f"review text {id_prefix}{i}" for i in range(len(frame))])
    return frame


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> SmallStore:
    """Experiments of hand-made runs: small and missing categories, no categories, different data, unlabelled, 500 categories."""
    data_dir = tmp_path_factory.mktemp("small_store")
    settings = settings_for(data_dir, SENTIMENT_REVIEW_SEED_DEMO="false")
    store = TrackingStore(settings.tracking_uri)
    artifacts = settings.artifact_root.as_uri()

    def log(experiment_id: str, name: str, frame: pd.DataFrame) -> str:
        return log_evaluation_run(
            store, experiment_id=experiment_id, run_name=name, predictions=frame, dataset_name=name, dataset_source="hand-made"
        )

    small = store.ensure_experiment("Small categories", artifact_location=artifacts)
    log(small, "small and missing categories", hand_made_predictions({"Tweets": 80, "Movies": 80, "Editorials": 5, None: 40}, seed=1))
    plain = store.ensure_experiment("No categories", artifact_location=artifacts)
    log(plain, "no category column", hand_made_predictions({"Tweets": 60}, seed=2).drop(columns=contract.CATEGORY))
    different = store.ensure_experiment("Different data", artifact_location=artifacts)
    log(different, "on last month's reviews", hand_made_predictions({"Tweets": 70, "Movies": 50}, seed=3, id_prefix="a"))
    log(different, "on this month's reviews", hand_made_predictions({"Tweets": 60, "Movies": 40, "News": 40}, seed=4, id_prefix="b"))
    unlabelled = store.ensure_experiment("Unlabelled", artifact_location=artifacts)
    reviews = hand_made_predictions({"Tweets": 50}, seed=5)
    log(unlabelled, "labelled reviews", reviews)
    log(unlabelled, "the same reviews without labels", reviews.drop(columns=contract.TRUE_LABEL))
    many = store.ensure_experiment("Many categories", artifact_location=artifacts)
    log(many, "500 shops", hand_made_predictions({f"Shop {i:03d}": 35 for i in range(500)}, seed=6))
    experiments = {"small": small, "plain": plain, "different": different, "unlabelled": unlabelled, "many": many}
    return SmallStore(data_dir, experiments)


@pytest.fixture
def small_env(small_store: SmallStore, monkeypatch: pytest.MonkeyPatch) -> SmallStore:
    """Point the app at the small store, without seeding the demo into it."""
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(small_store.data_dir))
    monkeypatch.setenv("SENTIMENT_REVIEW_SEED_DEMO", "false")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return small_store


def test_small_and_missing_categories_are_flagged_not_ranked(small_env: SmallStore) -> None:
    at = open_page("pages/categories.py", experiment=small_env.experiments["small"])
    text = page_text(at)
    assert "Editorials looks worse" in text
    assert "with 5 reviews we cannot tell" in text
    assert f"1 category has fewer than {MIN_REVIEWS_TO_JUDGE} reviews" in text
    table = at.dataframe[0].value.set_index("Category")
    assert set(table.index) == {"Tweets", "Movies", "Editorials", NO_CATEGORY}
    assert table.loc["Editorials", "Status"] == "Too few reviews to judge"
    assert table.loc["Editorials", "Reviews"] == 5
    assert table.loc[NO_CATEGORY, "Reviews"] == 40 and table.loc[NO_CATEGORY, "Status"] == "Enough reviews to judge"
    assert list(table.index)[-1] == "Editorials"  # after the ranked ones although it is the worst
    assert numbers(r"over the (\d+) categories with enough reviews", text) == (3,)


def chart_categories(at: AppTest) -> list[str]:
    """Category names drawn in the page's (first) Altair chart, read from the data Streamlit sends."""
    chart = next(e for e in at.main if getattr(e, "type", None) == "vega_lite_chart").proto
    for dataset in chart.datasets:
        table = pa.ipc.open_stream(dataset.data.data).read_all()
        if "slice" in table.column_names:
            return table.column("slice").to_pylist()
    raise AssertionError("the chart has no category data")


def test_five_hundred_categories_chart_shows_fifteen_until_asked_for_all(small_env: SmallStore) -> None:
    at = open_page("pages/categories.py", experiment=small_env.experiments["many"])
    assert len(at.dataframe[0].value) == 500  # the table always lists every category
    toggle = at.toggle[0]
    assert toggle.label == "Show all 500 categories" and toggle.value is False
    shown = chart_categories(at)
    assert len(shown) == 15
    ranked = list(at.dataframe[0].value["Category"])
    assert set(shown) == set(ranked[:12]) | set(ranked[-3:])
    toggle.set_value(True).run()
    assert not at.exception
    assert len(chart_categories(at)) == 500


def test_run_without_category_column_shows_the_per_class_view(small_env: SmallStore) -> None:
    at = open_page("pages/categories.py", experiment=small_env.experiments["plain"])
    assert "carry no category" in page_text(at)
    table = at.dataframe[0].value
    assert list(table["Sentiment"]) == list(LABELS)
    assert table["Finds them (recall)"].str.contains("based on").all()
    assert "category_metric" not in [s.key for s in at.selectbox]


def test_compare_needs_two_runs(small_env: SmallStore) -> None:
    at = open_page("pages/compare.py", experiment=small_env.experiments["plain"])
    assert "Is the new version better?" in [t.value for t in at.title]
    assert "at least two finished runs" in page_text(at)
    assert not at.tabs


def test_compare_runs_on_different_reviews_warns_and_lists_no_reviews(small_env: SmallStore) -> None:
    at = open_page("pages/compare.py", experiment=small_env.experiments["different"])
    text = page_text(at)
    assert "evaluated on different reviews" in text
    assert not any(t.label.startswith(("Fixed", "Newly broken")) for t in at.tabs)
    assert "fixes" not in text  # no fixed/broken sentence either
    table = at.dataframe[0].value
    assert "Labelled correctly" in set(table["Measure"])
    assert set(table["Verdict"]) <= set(compare_narrative.VERDICT_WORDS.values())


def test_compare_with_a_run_on_unlabelled_reviews_cannot_tell(small_env: SmallStore) -> None:
    at = open_page("pages/compare.py", experiment=small_env.experiments["unlabelled"])
    table = at.dataframe[0].value
    assert set(table["Verdict"]) == {"Cannot tell: not measurable on these reviews"}
    assert "cannot be compared on these reviews" in page_text(at)


# ---- Compare on the demo ---------------------------------------------------------------


def test_compare_demo_baseline_with_iteration_2(app_env, demo_store: TrackingStore) -> None:
    experiment_id, runs = demo_runs(demo_store)
    at = open_page("pages/compare.py", experiment=experiment_id, run=runs["iteration 2"])
    assert at.selectbox(key="compare_baseline").value.run_id == runs["baseline"]
    assert [r.run_id for r in at.multiselect(key="compare_new").value] == [runs["iteration 2"]]
    headline = next(m.value for m in at.markdown if m.value.startswith("#### Labelled correctly"))
    assert "Better, and the difference is real" in headline
    assert "evaluated on different reviews" not in page_text(at)

    base = demo_store.predictions(runs["baseline"]).set_index(contract.REVIEW_ID)
    new = demo_store.predictions(runs["iteration 2"]).set_index(contract.REVIEW_ID).loc[base.index]
    truth = base[contract.TRUE_LABEL]
    fixed = int(((base[contract.PREDICTED_LABEL] != truth) & (new[contract.PREDICTED_LABEL] == truth)).sum())
    broken = int(((base[contract.PREDICTED_LABEL] == truth) & (new[contract.PREDICTED_LABEL] != truth)).sum())
    assert fixed > 0 and broken > 0
    labels = [t.label for t in at.tabs]
    assert f"Fixed ({fixed:,})" in labels and f"Newly broken ({broken:,})" in labels
    fixed_tab = at.tabs[labels.index(f"Fixed ({fixed:,})")]
    broken_tab = at.tabs[labels.index(f"Newly broken ({broken:,})")]
    fixed_rows, broken_rows = fixed_tab.dataframe[0].value, broken_tab.dataframe[0].value
    assert len(fixed_rows) == fixed and len(broken_rows) == broken
    assert (fixed_rows["New version says"] == fixed_rows["Truly"]).all() and (fixed_rows["Baseline said"] != fixed_rows["Truly"]).all()
    assert (broken_rows["Baseline said"] == broken_rows["Truly"]).all() and (broken_rows["New version says"] != broken_rows["Truly"]).all()
    assert numbers(r"fixes ([\d,]+) reviews.*?breaks ([\d,]+)", page_text(at)) == (fixed, broken)


def test_compare_two_iterations_get_a_tab_each(app_env, demo_store: TrackingStore) -> None:
    experiment_id, runs = demo_runs(demo_store)
    at = open_page("pages/compare.py", experiment=experiment_id, run=runs["iteration 2"])
    iterations = [r for r in demo_store.runs(experiment_id) if r.name.startswith("Iteration")]
    at.multiselect(key="compare_new").set_value(iterations).run()
    assert not at.exception
    labels = [t.label for t in at.tabs]
    assert {escape_markdown(r.name) for r in iterations} <= set(labels)
    assert sum(label.startswith("Fixed (") for label in labels) == 2
    assert sum(m.value.startswith("#### Labelled correctly") for m in at.markdown) == 2
