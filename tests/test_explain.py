"""Explanations: exact for linear TF-IDF models, leave-one-word-out otherwise, always escaped."""

from __future__ import annotations

import html
import re
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from lib.quality.explain import (
    MAX_EXPLAINED_WORDS,
    MAX_WORDS,
    coverage_sentence,
    explain,
    feature_contributions,
    highlighted_html,
    top_words,
)
from lib.stores import contract
from lib.stores.demo import MODEL_SPECS, load_demo_data
from lib.stores.tracking import RunSummary
from ui import data

HOSTILE = "<img src=x onerror=alert(1)> great <script>alert('x')</script> movie, not bad"


@pytest.fixture(scope="module")
def train() -> pd.DataFrame:
    data = load_demo_data()
    return data[data["split"] == "train"].sample(3000, random_state=0)


@pytest.fixture(scope="module", params=[0, 2], ids=["words", "words+chars"])
def linear_model(request, train: pd.DataFrame) -> Pipeline:
    return MODEL_SPECS[request.param].build().fit(train[["text"]], train["label"])


def margin(model, text: str, label: str) -> float:
    scores = model.decision_function(pd.DataFrame({"text": [text]}))[0]
    i = list(model.classes_).index(label)
    return float(scores[i] - np.delete(scores, i).mean())


@pytest.mark.parametrize(
    "text", ["The movie was not good, but the acting was great!", HOSTILE, "meh", "Terrible. Terrible! TERRIBLE service."]
)
def test_contributions_sum_to_the_models_margin(linear_model: Pipeline, text: str) -> None:
    for label in linear_model.classes_:
        contributions, intercept = feature_contributions(linear_model, text, label)
        assert contributions.sum() + intercept == pytest.approx(margin(linear_model, text, label), abs=1e-9)


def test_word_attribution_keeps_the_total(linear_model: Pipeline) -> None:
    text = "Great great acting, but a dull and boring plot."
    predicted = linear_model.predict(pd.DataFrame({"text": [text]}))[0]
    why = explain(linear_model, text, predicted)
    assert why.method == "exact"
    total = why.words["contribution"].sum() + why.other + why.intercept
    assert total == pytest.approx(margin(linear_model, text, predicted), abs=1e-9)
    assert set(why.words["word"]) >= {"Great", "great", "acting", "boring"}


def test_binary_linear_model_is_explained_exactly() -> None:
    frame = pd.DataFrame({"text": ["good fun", "bad awful", "good film", "awful mess", "fun film", "bad film"]})
    labels = ["positive", "negative", "positive", "negative", "positive", "negative"]
    model = Pipeline([("features", ColumnTransformer([("words", TfidfVectorizer(), "text")])), ("classifier", LogisticRegression())]).fit(
        frame, labels
    )
    text = "good but awful film"
    score = model.decision_function(pd.DataFrame({"text": [text]}))[0]
    for label, sign in (("positive", 1), ("negative", -1)):
        contributions, intercept = feature_contributions(model, text, label)
        assert contributions.sum() + intercept == pytest.approx(sign * score, abs=1e-9)


def test_other_models_fall_back_to_leave_one_word_out(train: pd.DataFrame) -> None:
    forest = Pipeline(
        [
            ("features", ColumnTransformer([("words", TfidfVectorizer(max_features=2000), "text")])),
            ("trees", RandomForestClassifier(n_estimators=30, random_state=0)),
        ]
    ).fit(train[["text"]], train["label"])
    forest.steps[-1][1].__dict__.pop("coef_", None)
    text = "What a wonderful, wonderful film. I loved it."
    predicted = forest.predict(pd.DataFrame({"text": [text]}))[0]
    why = explain(forest, text, predicted)
    assert why.method == "leave-one-word-out"
    full = forest.predict_proba(pd.DataFrame({"text": [text]}))[0][list(forest.classes_).index(predicted)]
    without = forest.predict_proba(pd.DataFrame({"text": [text.replace("wonderful", " ").replace("Wonderful", " ")]}))[0][
        list(forest.classes_).index(predicted)
    ]
    wonderful = why.words.loc[why.words["word"].str.lower() == "wonderful", "contribution"]
    assert wonderful.iloc[0] == pytest.approx(full - without, abs=1e-12)


def test_leave_one_out_is_bounded() -> None:
    calls = []

    class Counter:
        classes_ = np.array(["negative", "neutral", "positive"])

        def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
            calls.append(len(frame))
            return np.tile([0.2, 0.3, 0.5], (len(frame), 1))

    text = " ".join(f"word{i}" for i in range(500))
    explain(Counter(), text, "positive")
    assert calls == [MAX_WORDS + 1]  # one batch: the text and one variant per word, at most MAX_WORDS


def test_highlighting_escapes_html(linear_model: Pipeline) -> None:
    why = explain(linear_model, HOSTILE, "positive")
    rendered = highlighted_html(HOSTILE, why.words)
    assert "<img" not in rendered and "<script" not in rendered
    without_our_markup = re.sub(r'<span style="[^"<>]*" title="[^"<>]*">|</span>', "", rendered)
    assert "<" not in without_our_markup and ">" not in without_our_markup
    assert html.unescape(without_our_markup) == HOSTILE
    towards, against = top_words(why.words)
    assert (towards["contribution"] > 0).all() and (against["contribution"] < 0).all()


def long_review(train: pd.DataFrame, chars: int = 98_000) -> str:
    """Real review sentences run together into one very long review."""
    text = " ".join(train["text"].tolist() * 20)
    return text[:chars]


def test_a_very_long_review_is_explained_quickly_from_its_first_words(linear_model: Pipeline, train: pd.DataFrame) -> None:
    text = long_review(train)
    predicted = linear_model.predict(pd.DataFrame({"text": [text]}))[0]
    started = time.perf_counter()
    why = explain(linear_model, text, predicted)
    assert time.perf_counter() - started < 2.0  # 24 s before, for every rerun of the page
    total = len(re.findall(r"(?u)\b\w\w+\b", text))
    assert len(why.words) == MAX_EXPLAINED_WORDS == 300 and why.total_words == total > 15_000
    assert why.is_partial
    assert coverage_sentence(why) == (
        f"Only the first 300 of its {total:,} words are explained, to keep the page quick; the rest of the review is shown without shading."
    )
    # Still exact: the contributions add up to the margin of the part that was explained.
    explained = text[: int(why.words["end"].iloc[-1])]
    assert why.words["contribution"].sum() + why.other + why.intercept == pytest.approx(
        margin(linear_model, explained, predicted), abs=1e-9
    )
    rendered = highlighted_html(text, why.words)
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)) == text  # the whole review is still shown


def test_a_short_review_is_explained_whole(linear_model: Pipeline) -> None:
    why = explain(linear_model, "Great acting, dull plot.", "positive")
    assert not why.is_partial and coverage_sentence(why) is None and why.total_words == len(why.words) == 4


def test_explanations_are_worked_out_once_per_run_review_and_model() -> None:
    calls: list[int] = []

    class Counting:
        classes_ = np.array(["negative", "neutral", "positive"])

        def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
            calls.append(len(frame))
            return np.tile([0.2, 0.3, 0.5], (len(frame), 1))

    def run(run_id: str, model_uri: str) -> RunSummary:
        return RunSummary(run_id, "1", "r", "FINISHED", None, {}, {}, {contract.TAG_MODEL_URI: model_uri})

    model = Counting()
    first = data.explanation(run("run-a", "models:/m/1"), "key-1", "lovely little film", "positive", model)
    again = data.explanation(run("run-a", "models:/m/1"), "key-1", "lovely little film", "positive", model)  # a rerun of the page
    assert len(calls) == 1
    assert again.words.equals(first.words)
    data.explanation(run("run-a", "models:/m/1"), "key-2", "lovely little film", "positive", model)  # another review
    data.explanation(run("run-b", "models:/m/1"), "key-1", "lovely little film", "positive", model)  # another run
    data.explanation(run("run-a", "models:/m/2"), "key-1", "lovely little film", "positive", model)  # another model
    assert len(calls) == 4
