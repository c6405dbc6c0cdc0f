"""lib/quality/slices.py: which columns split reviews, each category's standing, the gap, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.quality.ceiling import human_ceiling
from lib.quality.metrics import MIN_REVIEWS_TO_JUDGE, NO_CATEGORY, SENTIMENT_LABELS, quality_report
from lib.quality.slices import BELOW, ENOUGH, MEETS, TOO_FEW, category_columns, category_standing, shown_categories
from lib.stores import contract

LABELS = SENTIMENT_LABELS


def reviews_in(sizes: dict[str | None, int], seed: int = 0, right: float = 0.7) -> pd.DataFrame:
    """Labelled reviews with the given number per category; each category gets its own accuracy."""
    rng = np.random.default_rng(seed)
    parts = []
    for i, (name, size) in enumerate(sizes.items()):
        truth = rng.choice(LABELS, size=size)
        share_right = min(0.95, right + 0.04 * (i % 7) - 0.1 * (i % 3))
        said = np.where(rng.random(size) < share_right, truth, rng.choice(LABELS, size=size))
        parts.append(pd.DataFrame({"true": truth, "said": said, "group": [name] * size}))
    return pd.concat(parts, ignore_index=True).astype(object)


def report_of(frame: pd.DataFrame, n_boot: int = 100):
    return quality_report(frame["true"], frame["said"], groups=frame["group"], n_boot=n_boot, random_state=1)


# ---- category_columns ------------------------------------------------------------------


def test_category_columns_puts_category_first_and_skips_what_cannot_be_a_category() -> None:
    n = 60
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "channel": rng.choice(["web", "app"], size=n),
            contract.REVIEW_ID: [f"r{i}" for i in range(n)],
            contract.TEXT: rng.choice(["good", "bad", "meh"], size=n),
            contract.TRUE_LABEL: rng.choice(LABELS, size=n),
            contract.PREDICTED_LABEL: rng.choice(LABELS, size=n),
            contract.CATEGORY: rng.choice(["Movies", "Tweets"], size=n),
            contract.proba_column("negative"): rng.choice([0.1, 0.9], size=n).astype(object),
            "stars": rng.integers(1, 6, size=n),
            "is_verified": rng.random(n) < 0.5,
            "source": pd.Categorical(rng.choice(["a", "b", "c"], size=n)),
            "score": rng.choice([0.5, 1.5], size=n),  # float: a measurement, not a category
            "tags": [["x", "y"] if i % 2 else ["x"] for i in range(n)],  # lists
            "ratings": [[1, 2]] * n,
            "country": ["FR"] * n,  # one value: nothing to split
            "title": [f"title {i}" for i in range(n)],  # one value per review is fine up to the limit
            "empty": [None] * n,
        }
    )
    columns = category_columns(frame)
    assert columns[0] == contract.CATEGORY
    assert set(columns) == {contract.CATEGORY, "channel", "stars", "is_verified", "source", "title"}
    assert columns[1:] == sorted(columns[1:])


def test_category_columns_skips_columns_with_more_than_a_thousand_values() -> None:
    frame = pd.DataFrame({"id_like": [f"v{i}" for i in range(1500)], "kind": ["a", "b", "c"] * 500})
    assert category_columns(frame) == ["kind"]
    assert category_columns(pd.DataFrame({contract.TEXT: ["a", "b"], contract.TRUE_LABEL: LABELS[:2]})) == []


# ---- category_standing -----------------------------------------------------------------


def test_standing_ranks_judged_categories_weakest_first_and_small_ones_after() -> None:
    frame = reviews_in({"Movies": 400, "Tweets": 300, "News": 200, "Blogs": 5, "Forums": 29, "Podcasts": 30})
    report = report_of(frame)
    standing = category_standing(report, "accuracy")
    assert list(standing.columns[:5]) == ["slice", "value", "low", "high", "n"]
    assert set(standing["slice"]) == {"Movies", "Tweets", "News", "Blogs", "Forums", "Podcasts"}
    judged = standing[standing["judged"]]
    assert set(judged["slice"]) == {"Movies", "Tweets", "News", "Podcasts"}  # 30 reviews is enough, 29 is not
    assert list(judged["value"]) == sorted(judged["value"])
    assert (standing["judged"].to_numpy() == [True] * 4 + [False] * 2).all()  # small ones after the ranked ones
    assert set(standing.loc[~standing["judged"], "status"]) == {TOO_FEW}
    assert set(judged["status"]) == {ENOUGH}
    for row in standing.itertuples():
        mask = frame["group"] == row.slice
        assert row.n == mask.sum()
        assert row.value == pytest.approx((frame.loc[mask, "true"] == frame.loc[mask, "said"]).mean(), abs=1e-12)


def test_standing_counts_reviews_the_metric_rests_on() -> None:
    # 40 reviews, but only 10 truly neutral: recall of neutral is too thin to judge there.
    frame = pd.DataFrame(
        {
            "true": ["negative"] * 30 + ["neutral"] * 10 + ["positive"] * 50,
            "said": ["negative"] * 30 + ["neutral"] * 10 + ["positive"] * 50,
            "group": ["Thin"] * 40 + ["Other"] * 50,
        }
    )
    standing = category_standing(report_of(frame), "recall:neutral")
    thin = standing.set_index("slice").loc["Thin"]
    assert thin["n"] == 10 and thin["status"] == TOO_FEW
    other = standing.set_index("slice").loc["Other"]
    assert np.isnan(other["value"]) and other["n"] == 0 and other["status"] == TOO_FEW


def test_standing_with_a_target_says_meets_or_below() -> None:
    frame = reviews_in({"Good": 300, "Bad": 300, "Tiny": 4}, seed=3)
    frame.loc[frame["group"] == "Good", "said"] = frame.loc[frame["group"] == "Good", "true"]
    bad = frame["group"] == "Bad"
    frame.loc[bad, "said"] = np.where(np.arange(bad.sum()) % 2, frame.loc[bad, "true"], "neutral")
    report = report_of(frame)
    standing = category_standing(report, "accuracy", target=0.8).set_index("slice")
    assert standing.loc["Good", "status"] == MEETS
    assert standing.loc["Bad", "status"] == BELOW
    assert standing.loc["Tiny", "status"] == TOO_FEW
    exactly = category_standing(report, "accuracy", target=1.0).set_index("slice")
    assert exactly.loc["Good", "status"] == MEETS  # reaching the target meets it


def test_standing_carries_the_human_ceiling_of_each_category() -> None:
    frame = reviews_in({"Movies": 50, "Tweets": 50})
    ratings = pd.Series([[1, 2, 3]] * 50 + [[1, -3, 0]] * 50, dtype=object)
    ceiling = human_ceiling(ratings, frame["group"])
    standing = category_standing(report_of(frame), "accuracy", ceiling=ceiling).set_index("slice")
    assert standing.loc["Movies", "ceiling"] == 1.0
    assert standing.loc["Tweets", "ceiling"] == 0.0


# ---- shown_categories ------------------------------------------------------------------


def five_hundred_categories(size: int) -> pd.DataFrame:
    return reviews_in({f"Shop {i:03d}": size for i in range(500)}, seed=5)


def test_five_hundred_categories_show_the_weakest_and_strongest_or_all() -> None:
    report = report_of(five_hundred_categories(40), n_boot=50)
    standing = category_standing(report, "accuracy")
    assert len(standing) == 500 and standing["judged"].all()
    few = shown_categories(standing, show_all=False)
    assert len(few) == 15
    assert list(few["slice"][:12]) == list(standing["slice"][:12])  # the 12 weakest
    assert list(few["slice"][12:]) == list(standing["slice"][-3:])  # and the 3 strongest
    assert len(shown_categories(standing, show_all=True)) == 500


def test_few_categories_are_all_shown() -> None:
    standing = category_standing(report_of(reviews_in({f"C{i}": 40 for i in range(15)})), "accuracy")
    assert len(shown_categories(standing, show_all=False)) == 15


def test_five_hundred_small_categories_still_show_fifteen() -> None:
    report = report_of(five_hundred_categories(3), n_boot=20)
    standing = category_standing(report, "macro_f1")
    assert not standing["judged"].any()
    shown = shown_categories(standing, show_all=False)
    assert len(shown) == 15 and set(shown["status"]) == {TOO_FEW}


# ---- difference and ratio --------------------------------------------------------------


@pytest.mark.parametrize("metric", ["accuracy", "macro_f1", "recall:neutral", "precision:positive"])
def test_difference_and_ratio_equal_brute_force_over_judged_slices(metric: str) -> None:
    sizes = {"Movies": 500, "Tweets": 300, "News": 120, "Blogs": 60, "Tiny": 8, None: 45}
    frame = reviews_in(sizes, seed=11)
    report = report_of(frame)
    judged = []
    for name in report.groups:
        estimate = report.estimate(metric, name)
        if estimate.n >= MIN_REVIEWS_TO_JUDGE and np.isfinite(estimate.value):
            judged.append(estimate.value)
    assert len(judged) >= 3
    assert report.difference(metric) == pytest.approx(max(judged) - min(judged), abs=1e-12)
    assert report.ratio(metric) == pytest.approx(min(judged) / max(judged), abs=1e-12)
    # The tiny slice never decides the gap, even when it is the extreme.
    everything = report.by_metric(metric)["value"].dropna()
    assert report.difference(metric, min_n=0) == pytest.approx(everything.max() - everything.min(), abs=1e-12)


def test_difference_and_ratio_need_two_judged_slices() -> None:
    report = report_of(reviews_in({"Big": 200, "Small": 10}))
    assert np.isnan(report.difference("accuracy")) and np.isnan(report.ratio("accuracy"))
    all_wrong = pd.DataFrame({"true": ["negative"] * 80, "said": ["positive"] * 80, "group": ["A"] * 40 + ["B"] * 40})
    zero = report_of(all_wrong)
    assert zero.difference("accuracy") == 0.0
    assert np.isnan(zero.ratio("accuracy"))  # worst / best with best 0 is not a ratio


# ---- bad input -------------------------------------------------------------------------


def test_category_with_one_review() -> None:
    frame = pd.concat(
        [reviews_in({"Big": 100}), pd.DataFrame({"true": ["neutral"], "said": ["positive"], "group": ["Lonely"]})], ignore_index=True
    )
    report = report_of(frame)
    standing = category_standing(report, "accuracy").set_index("slice")
    assert standing.loc["Lonely", "n"] == 1 and standing.loc["Lonely", "value"] == 0.0
    assert standing.loc["Lonely", "status"] == TOO_FEW
    lonely_f1 = report.estimate("macro_f1", "Lonely")
    assert lonely_f1.value == 0.0 and lonely_f1.n == 1
    assert report.estimate("accuracy", "Lonely").high < 1  # a Wilson interval, not a degenerate one


def test_category_where_a_class_never_occurs_gives_nan_recall_without_crashing() -> None:
    frame = reviews_in({"Movies": 200, "NoNeutral": 200}, seed=2)
    no_neutral = frame["group"] == "NoNeutral"
    frame.loc[no_neutral & (frame["true"] == "neutral"), "true"] = "negative"
    report = report_of(frame)
    recall = report.estimate("recall:neutral", "NoNeutral")
    assert np.isnan(recall.value) and recall.n == 0 and not recall.is_defined
    standing = category_standing(report, "recall:neutral")
    assert standing.iloc[-1]["slice"] == "NoNeutral" and standing.iloc[-1]["status"] == TOO_FEW
    assert np.isfinite(report.estimate("macro_f1", "NoNeutral").value)


@pytest.mark.parametrize("blank", [None, np.nan, "", "   "])
def test_missing_and_empty_category_values_become_none_slice(blank) -> None:
    frame = reviews_in({"Movies": 50, "Tweets": 50})
    frame.loc[:9, "group"] = blank
    report = report_of(frame)
    assert NO_CATEGORY in report.groups
    assert report.estimate("accuracy", NO_CATEGORY).n == 10
    standing = category_standing(report, "accuracy")
    assert NO_CATEGORY in set(standing["slice"])
    assert report.estimate("accuracy").n == 100
