"""Stress test: sample, failure rules and rates against a direct recomputation, one review at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from lib.config import DEMO_DATA_FILE
from lib.errors import UserFacingError
from lib.quality import stress
from lib.quality.metrics import SENTIMENT_LABELS, wilson_interval
from lib.quality.text_changes import DIRECTION, INVARIANCE, STAY_OR_STRONGER, TEXT_CHANGES
from lib.scoring.stress_test import run_stress_test
from lib.stores import contract
from lib.stores.tracking import LoadedModel


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    frame = pd.read_parquet(DEMO_DATA_FILE).rename(columns={"label": contract.TRUE_LABEL})
    return frame


@pytest.fixture(scope="module")
def model_and_predictions(demo: pd.DataFrame) -> tuple[LoadedModel, pd.DataFrame]:
    train = demo[demo["split"] == "train"].sample(4000, random_state=0)  # enough for a model typos can throw
    test = demo[demo["split"] == "test"]
    pipeline = Pipeline(
        [("features", ColumnTransformer([("words", TfidfVectorizer(), contract.TEXT)])), ("classifier", LogisticRegression(max_iter=500))]
    ).fit(train[[contract.TEXT]], train[contract.TRUE_LABEL])
    predictions = test.assign(**{contract.PREDICTED_LABEL: pipeline.predict(test[[contract.TEXT]])})
    return LoadedModel(pipeline, "runs:/test/model"), predictions


def test_sample_is_seeded_exact_and_stratified(demo: pd.DataFrame) -> None:
    frame = demo.assign(**{contract.PREDICTED_LABEL: "neutral"})
    sample = stress.stress_sample(frame, 1000, seed=3)
    assert len(sample) == 1000 and sample["review_id"].is_unique
    assert sample.equals(stress.stress_sample(frame, 1000, seed=3))
    assert set(sample["review_id"]) != set(stress.stress_sample(frame, 1000, seed=4)["review_id"])
    chosen = frame.set_index("review_id").loc[sample["review_id"]]
    expected = frame.groupby([contract.TRUE_LABEL, contract.CATEGORY]).size() * 1000 / len(frame)
    got = chosen.groupby([contract.TRUE_LABEL, contract.CATEGORY]).size().reindex(expected.index, fill_value=0)
    assert (np.abs(got - expected) < 1).all()  # every stratum gets its share, rounded
    assert (sample[stress.SENTIMENT].to_numpy() == chosen[contract.TRUE_LABEL].to_numpy()).all()


def test_small_runs_are_taken_whole_and_missing_truth_falls_back_to_the_answer() -> None:
    frame = pd.DataFrame(
        {
            contract.REVIEW_ID: ["a", "b", "c"],
            contract.TEXT: ["good", "bad", "meh"],
            contract.TRUE_LABEL: ["positive", None, "neutral"],
            contract.PREDICTED_LABEL: ["positive", "negative", "positive"],
        }
    )
    sample = stress.stress_sample(frame, 1000)
    assert sample["review_id"].tolist() == ["a", "b", "c"]
    assert sample[stress.SENTIMENT].tolist() == ["positive", "negative", "neutral"]


def _failed_one(kind: str, direction: int, before: str, after: str) -> bool:
    """The failure rules written out case by case."""
    b, a = SENTIMENT_LABELS.index(before), SENTIMENT_LABELS.index(after)
    if kind == INVARIANCE:
        return a != b
    toward = a - b if direction > 0 else b - a
    if kind == STAY_OR_STRONGER:
        return toward < 0
    end = 2 if direction > 0 else 0
    return toward < 0 or (toward == 0 and b != end)


def test_failure_rules_against_every_case() -> None:
    cases = [
        (kind, direction, before, after)
        for kind, directions in ((INVARIANCE, (0,)), (DIRECTION, (-1, 1)), (STAY_OR_STRONGER, (-1, 1)))
        for direction in directions
        for before in SENTIMENT_LABELS
        for after in SENTIMENT_LABELS
    ]
    frame = pd.DataFrame(cases, columns=["kind", "direction", "before", "after"])
    got = stress.failed(frame["kind"], frame["direction"], frame["before"], frame["after"])
    assert got.tolist() == [_failed_one(*case) for case in cases]
    # spot checks of the words in the docstring
    assert stress.failed(*(pd.Series([x]) for x in (DIRECTION, -1, "negative", "negative")))[0] == np.False_
    assert stress.failed(*(pd.Series([x]) for x in (DIRECTION, -1, "positive", "positive")))[0] == np.True_


def test_flip_rates_equal_a_direct_recomputation(model_and_predictions: tuple[LoadedModel, pd.DataFrame]) -> None:
    model, predictions = model_and_predictions
    result = run_stress_test(model, predictions, sample_size=200, seed=5)
    assert result.reviews == 200
    sample = stress.stress_sample(predictions, 200, 5)
    pairs = stress.changed_pairs(sample, 5)
    answers: dict[str, str] = {}

    def answer(text: str) -> str:  # one text at a time, remembered: originals repeat across changes
        if text not in answers:
            answers[text] = model.model.predict(pd.DataFrame({contract.TEXT: [text]}))[0]
        return answers[text]

    for change in TEXT_CHANGES:
        mine = pairs[pairs["change"] == change.key]
        failures = 0
        for row in mine.itertuples():
            failures += _failed_one(change.kind, row.direction, answer(row.original), answer(row.changed))
        got = result.row(change.key)
        assert got["n"] == len(mine)
        assert got["failed"] == failures
        if len(mine):
            assert got["rate"] == pytest.approx(failures / len(mine))
            low, high = wilson_interval(np.array([failures]), np.array([len(mine)]))
            assert (got["low"], got["high"]) == pytest.approx((low[0], high[0]))
    typos, lower = result.row("typos"), result.row("lower_case")
    assert typos["n"] == 200 and 0 < typos["rate"] < 0.5  # a word model is thrown by some typos
    assert lower["rate"] == 0  # TfidfVectorizer lower-cases by itself


def test_table_survives_the_metrics_round_trip() -> None:
    pairs = pd.DataFrame(
        {
            "review_id": ["a", "b", "a", "b"],
            "change": ["typos", "typos", "negation", "negation"],
            "kind": [INVARIANCE, INVARIANCE, DIRECTION, DIRECTION],
            "original": ["x"] * 4,
            "changed": ["y"] * 4,
            "direction": [0, 0, -1, -1],
            "before": ["positive", "negative", "positive", "positive"],
            "after": ["neutral", "negative", "positive", "negative"],
        }
    )
    result = stress.stress_result(pairs, 2)
    metrics = stress.robustness_metrics(result.table)
    assert metrics["robustness.typos.flip_rate"] == 0.5 and metrics["robustness.negation.flip_rate"] == 0.5
    assert metrics["robustness.upper_case.example_count"] == 0 and "robustness.upper_case.flip_rate" not in metrics
    rebuilt = stress.table_from_metrics(metrics)
    measured = result.table[result.table["n"] > 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(rebuilt, measured, check_dtype=False)
    assert stress.table_from_metrics({"accuracy_score": 0.8}) is None


def test_robustness_difference_says_which_run_is_more_robust() -> None:
    def table(failed: int, n: int) -> pd.DataFrame:
        low, high = wilson_interval(np.array([failed]), np.array([n]))
        return pd.DataFrame(
            {"change": ["typos"], "kind": [INVARIANCE], "failed": [failed], "n": [n], "rate": [failed / n], "low": low, "high": high}
        )

    clear = stress.robustness_difference(table(150, 1000), table(60, 1000)).iloc[0]
    assert clear["verdict"] == "more robust" and clear["difference"] == pytest.approx(-0.09) and clear["high"] < 0
    assert stress.robustness_difference(table(60, 1000), table(150, 1000)).iloc[0]["verdict"] == "less robust"
    assert stress.robustness_difference(table(15, 100), table(13, 100)).iloc[0]["verdict"] == "within noise"


def test_a_model_that_fails_gives_a_plain_message(model_and_predictions: tuple[LoadedModel, pd.DataFrame]) -> None:
    class Broken:
        def predict(self, frame: pd.DataFrame) -> None:
            raise RuntimeError("boom")

    _, predictions = model_and_predictions
    with pytest.raises(UserFacingError, match="stopped with an error"):
        run_stress_test(LoadedModel(Broken(), "runs:/x/model"), predictions, sample_size=20)
