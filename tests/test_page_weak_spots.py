"""Page tests of Weak spots and of the Mistakes page filtered to one weak spot (AppTest, real MLflow store)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from lib.quality.weak_spots import CONFIDENCE_TRAITS, find_weak_spots, slice_id, slice_mask
from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.demo import DEMO_EXPERIMENT
from lib.stores.tracking import TrackingStore
from lib.wording import weak_spots as wording
from lib.wording.numbers import count, percent
from tests.conftest import PROJECT_ROOT, settings_for
from tests.helpers import page_text
from tests.test_hostile_text import live_payloads
from tests.test_weak_spots import contains_word, synthetic_reviews, with_predictions

APP = str(PROJECT_ROOT / "app.py")
HOSTILE_CATEGORY = "[pixel](https://evil.example/x) ![img](https://evil.example/p.png) <b>x</b> :material/warning:"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass(frozen=True)
class PlantedStore:
    data_dir: Path
    tracking_uri: str
    experiments: dict[str, str]
    runs: dict[str, str]


@pytest.fixture(scope="module")
def planted_store(tmp_path_factory: pytest.TempPathFactory) -> PlantedStore:
    """A run whose reviews with "but" are 20 points worse, and a run without true labels."""
    data_dir = tmp_path_factory.mktemp("weak_spot_store")
    settings = settings_for(data_dir, SENTIMENT_REVIEW_SEED_DEMO="false")
    store = TrackingStore(settings.tracking_uri)
    artifacts = settings.artifact_root.as_uri()
    frame = synthetic_reviews(2500, seed=41)
    right = np.random.default_rng(42).random(len(frame)) < np.where(contains_word(frame, "but"), 0.6, 0.8)
    planted = with_predictions(frame, right, seed=43)
    experiment = store.ensure_experiment("Planted weak spot", artifact_location=artifacts)
    unlabelled = store.ensure_experiment("Without labels", artifact_location=artifacts)

    def log(experiment_id: str, name: str, predictions) -> str:
        return log_evaluation_run(
            store, experiment_id=experiment_id, run_name=name, predictions=predictions, dataset_name=name, dataset_source="hand-made"
        )

    hostile = store.ensure_experiment("Hostile category names", artifact_location=artifacts)
    runs = {
        "planted": log(experiment, "but is hard", planted),
        "unlabelled": log(unlabelled, "no labels", planted.drop(columns=contract.TRUE_LABEL)),
        "hostile": log(hostile, "hostile", planted.replace({contract.CATEGORY: {"Tweets": HOSTILE_CATEGORY}})),
    }
    experiments = {"planted": experiment, "unlabelled": unlabelled, "hostile": hostile}
    return PlantedStore(data_dir, settings.tracking_uri, experiments, runs)


@pytest.fixture
def planted_env(planted_store: PlantedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PlantedStore:
    """Point the app at the planted store, with a fresh annotation database."""
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(planted_store.data_dir))
    monkeypatch.setenv("SENTIMENT_REVIEW_SEED_DEMO", "false")
    monkeypatch.setenv("SENTIMENT_REVIEW_ANNOTATIONS_DB_URL", f"sqlite:///{tmp_path / 'annotations.db'}")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return planted_store


def open_page(page: str, **query: str) -> AppTest:
    """Open one page of the app as a fresh browser session following a link would."""
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def mistakes_links(at: AppTest) -> dict[str, dict[str, str]]:
    """The weak-spot links to the Mistakes page: slice id -> query parameters."""
    links = {}
    for link in at.page_link:
        if link.proto.label != wording.MISTAKES_LINK:
            continue  # the sidebar's menu
        query = {key: values[0] for key, values in parse_qs(link.proto.query_string).items()}
        assert link.proto.page.endswith("mistakes")
        links[query["weak_spot"]] = query
    return links


def sentence_of(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"**{label}**"))


def test_the_planted_weak_spot_is_a_sentence_with_its_figures_and_a_link(planted_env: PlantedStore) -> None:
    run_id = planted_env.runs["planted"]
    at = open_page("pages/weak_spots.py", experiment=planted_env.experiments["planted"], run=run_id)
    assert "Weak spots found automatically" in [t.value for t in at.title]
    predictions = TrackingStore(planted_env.tracking_uri).predictions(run_id)
    search = find_weak_spots(predictions)
    found = search.weak_spots()
    text = page_text(at)
    assert wording.headline(len(found), search.tried, search.reviews).replace("**", "") in text.replace("**", "")
    assert "false discovery control" in text
    # The figures of the sentence are those counted directly from the run's predictions.
    inside = slice_mask(predictions, "but")
    right = (predictions[contract.TRUE_LABEL] == predictions[contract.PREDICTED_LABEL]).to_numpy()
    sentence = sentence_of(text, wording.slice_label("but"))
    assert f": {percent(right[inside].mean())} right" in sentence
    assert f"against {percent(right[~inside].mean())} elsewhere" in sentence
    assert f"from {count(inside.sum())} reviews." in sentence
    links = mistakes_links(at)
    assert set(links) == set(found["slice_id"]) and "but" in links
    assert links["but"] == {"weak_spot": "but", "experiment": planted_env.experiments["planted"], "run": run_id}
    table = at.dataframe[0].value
    assert len(table) == search.tried and (table["Clearly weaker"] == "yes").sum() == len(found)


def test_the_link_opens_the_mistakes_of_that_weak_spot_only(planted_env: PlantedStore) -> None:
    run_id = planted_env.runs["planted"]
    predictions = TrackingStore(planted_env.tracking_uri).predictions(run_id)
    wrong = (predictions[contract.TRUE_LABEL] != predictions[contract.PREDICTED_LABEL]).to_numpy()
    tweets = slice_id("but", "Tweets")
    in_tweets = slice_mask(predictions, tweets)
    at = open_page("pages/mistakes.py", experiment=planted_env.experiments["planted"], run=run_id, weak_spot=tweets)
    text = page_text(at)
    assert wording.filter_note(wording.slice_label("but", "Tweets")) in text
    assert f"{count((wrong & in_tweets).sum())} of {count(wrong.sum())} mistakes match the filters" in text
    shown = at.dataframe[0].value
    assert set(shown["Category"]) == {"Tweets"} and shown["Review"].str.contains(r"\bbut\b").all()

    at.button(key="weak_spot_clear").click().run()
    assert "weak_spot" not in at.query_params
    assert f"{count(wrong.sum())} of {count(wrong.sum())} mistakes match the filters" in page_text(at)


@pytest.mark.parametrize("link", ["no-such-group", "but.in.movies-00000000", "<script>"])
def test_a_link_to_a_group_the_run_lacks_says_so_and_shows_every_mistake(planted_env: PlantedStore, link: str) -> None:
    run_id = planted_env.runs["planted"]
    at = open_page("pages/mistakes.py", experiment=planted_env.experiments["planted"], run=run_id, weak_spot=link)
    text = page_text(at)
    assert wording.UNKNOWN_WEAK_SPOT in text
    assert re.search(r"([\d,]+) of \1 mistakes match the filters", text)


def test_a_run_without_true_labels_says_why_there_are_no_weak_spots(planted_env: PlantedStore) -> None:
    at = open_page("pages/weak_spots.py", experiment=planted_env.experiments["unlabelled"])
    assert wording.no_search_reason(True, True) in page_text(at)
    assert not mistakes_links(at)


def test_hostile_category_names_stay_plain_text_on_both_pages(planted_env: PlantedStore) -> None:
    run_id = planted_env.runs["hostile"]
    at = open_page("pages/weak_spots.py", experiment=planted_env.experiments["hostile"], run=run_id)
    assert f"Reviews that contain “but” in “{HOSTILE_CATEGORY}”" in page_text(at)
    assert live_payloads(at) == []
    at = open_page(
        "pages/mistakes.py", experiment=planted_env.experiments["hostile"], run=run_id, weak_spot=slice_id("but", HOSTILE_CATEGORY)
    )
    assert wording.filter_note(wording.slice_label("but", HOSTILE_CATEGORY)) in page_text(at)
    assert live_payloads(at) == []


def test_a_viewer_sees_the_weak_spots_without_links_to_the_mistakes(planted_env: PlantedStore) -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.secrets.update({"access": {"users": {"vic": {"role": "viewer", "all_experiments": True, "password_hash": FAST.hash("pw-vic")}}}})
    at.query_params["experiment"] = planted_env.experiments["planted"]
    at.run()
    at.text_input[0].input("vic")
    at.text_input[1].input("pw-vic")
    at = at.button[0].click().run()
    at.switch_page("pages/weak_spots.py").run()
    assert not at.exception, at.exception
    text = page_text(at)
    assert sentence_of(text, wording.slice_label("but"))
    assert not mistakes_links(at) and wording.MISTAKES_NEED_ANNOTATOR in text


def test_on_the_demo_every_sentence_matches_a_direct_count(app_env, demo_store: TrackingStore) -> None:
    experiment = demo_store.experiment_by_name(DEMO_EXPERIMENT)
    at = open_page("pages/weak_spots.py", experiment=experiment.experiment_id)
    run_id = at.query_params["run"]  # the run the sidebar picked by default
    predictions = demo_store.predictions(run_id)
    found = find_weak_spots(predictions).weak_spots()
    text = page_text(at)
    right = (predictions[contract.TRUE_LABEL] == predictions[contract.PREDICTED_LABEL]).to_numpy()
    about_confidence = found["trait"].isin(CONFIDENCE_TRAITS)
    shown = pd.concat([found[~about_confidence].head(8), found[about_confidence]])
    assert len(shown) and about_confidence.any() and not about_confidence.all()  # both sections appear on the demo
    for row in shown.itertuples():
        inside = slice_mask(predictions, row.slice_id)
        sentence = sentence_of(text, wording.slice_label(row.trait, row.category))
        assert f": {percent(right[inside].mean())} right" in sentence and f"from {count(inside.sum())} reviews." in sentence
    assert set(mistakes_links(at)) == set(shown["slice_id"])
    assert wording.TEXT_SECTION in [h.value for h in at.subheader] and wording.CONFIDENCE_SECTION in [h.value for h in at.subheader]
