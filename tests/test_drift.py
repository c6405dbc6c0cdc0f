"""lib/quality/drift.py: does new feedback look different from the reference? On crafted texts and the demo data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from lib.quality import drift
from lib.stores import contract
from lib.stores.demo import MODEL_SPECS, load_demo_data


@pytest.fixture(scope="module")
def demo_test() -> pd.DataFrame:
    """The demo test split with a stand-in predicted label (the true one: drift does not look at correctness)."""
    data = load_demo_data()
    test = data[data["split"] == "test"].reset_index(drop=True)
    return test.assign(**{contract.PREDICTED_LABEL: test["label"]})


def halves(frame: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two halves split by review, as a reference and new reviews from the same source."""
    groups = frame["group_id"].unique()
    picked = set(np.random.default_rng(seed).permutation(groups)[: len(groups) // 2])
    inside = frame["group_id"].isin(picked)
    return frame[inside], frame[~inside]


def test_feedback_like_the_reference_looks_similar(demo_test: pd.DataFrame) -> None:
    reference, new = halves(demo_test)
    report = drift.compare(new, reference)
    assert report.level == drift.SIMILAR
    assert 0.4 < report.separability < drift.SOMEWHAT_DIFFERENT_AUC
    assert report.vocabulary_source == "reference"
    assert abs(report.unseen_new - report.unseen_usual) < 0.03
    assert report.category_distance < 0.05


def test_news_editorials_alone_look_different(demo_test: pd.DataFrame) -> None:
    reference, new = halves(demo_test)
    news = new[new[contract.CATEGORY] == "News editorials"]
    report = drift.compare(news, reference)
    assert report.level == drift.QUITE_DIFFERENT
    assert report.separability >= drift.QUITE_DIFFERENT_AUC
    assert report.category_distance > 0.7  # editorials are about a fifth of the reference
    assert report.n_new == len(news) and report.n_reference == len(reference)


def test_the_vocabulary_of_a_demo_model_is_read_from_its_pipeline(demo_test: pd.DataFrame) -> None:
    data = load_demo_data()
    train = data[data["split"] == "train"].head(1000)
    with threadpool_limits(1):
        model = MODEL_SPECS[1].build().fit(train[[contract.TEXT]], train["label"])
    vocabulary = drift.model_vocabulary(model)
    assert vocabulary is not None and vocabulary.source == "model"
    assert "good" in vocabulary.words and not any(" " in word for word in vocabulary.words)  # single words only
    assert vocabulary.tokens("GOOD film!") == ["good", "film"]
    reference, new = halves(demo_test)
    report = drift.compare(new, reference, vocabulary=vocabulary)
    assert report.vocabulary_source == "model"
    assert report.unseen_new == pytest.approx(report.unseen_usual, abs=0.03)
    strange = new.assign(**{contract.TEXT: "zorblax quintessa vlorp " + new[contract.TEXT]})
    changed = drift.compare(strange, reference, vocabulary=vocabulary)
    assert changed.unseen_new > report.unseen_new + 0.1
    assert changed.level == drift.QUITE_DIFFERENT
    assert drift.model_vocabulary(object()) is None


def test_text_shares_count_emoji_links_and_scripts() -> None:
    texts = pd.Series(
        ["Great 👍", "see https://example.com", "www.shop.example is slow", "とても良い製品です", "plain words", "Привет мир"]
    )
    shares = drift.text_shares(texts)
    assert shares["With emoji"] == pytest.approx(1 / 6)
    assert shares["With a link"] == pytest.approx(2 / 6)
    assert shares["Mostly non-Latin script"] == pytest.approx(2 / 6)


def test_mix_distance_is_the_total_variation_distance() -> None:
    new = drift.mix_shares(pd.Series(["negative"] * 3 + ["positive"]), ("negative", "neutral", "positive"))
    reference = drift.mix_shares(pd.Series(["neutral", "positive"]), ("negative", "neutral", "positive"))
    assert list(new) == [0.75, 0.0, 0.25]
    assert drift.mix_distance(new, reference) == pytest.approx(0.5 * (0.75 + 0.5 + 0.25))
    assert drift.mix_distance(pd.Series({"a": 1.0}), pd.Series({"b": 1.0})) == 1.0


def test_too_few_reviews_give_no_separability_and_the_level_rests_on_words() -> None:
    assert drift.separability(pd.Series(["a b"] * 10), pd.Series(["c d"] * 500)) is None
    assert drift.drift_level(None, 0.30, 0.08) == drift.QUITE_DIFFERENT
    assert drift.drift_level(None, 0.09, 0.08) == drift.SIMILAR
    assert drift.drift_level(0.7, 0.09, 0.08) == drift.SOMEWHAT_DIFFERENT
