"""lib/quality/ceiling.py: single-rater agreement with the leave-one-out crowd, against a plain Python loop."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from lib.quality.ceiling import NEGATIVE_AT_MOST, POSITIVE_AT_LEAST, human_ceiling, review_agreement
from lib.quality.metrics import NO_CATEGORY


def label_of(rating: float) -> str:
    if rating <= NEGATIVE_AT_MOST:
        return "negative"
    if rating >= POSITIVE_AT_LEAST:
        return "positive"
    return "neutral"


def brute_force_agreement(ratings: list | None) -> float:
    """Share of raters whose label equals the label of the mean of the *other* raters."""
    if not isinstance(ratings, list | tuple | np.ndarray) or len(ratings) < 2:
        return math.nan
    agreeing = 0
    for i, own in enumerate(ratings):
        others = [r for j, r in enumerate(ratings) if j != i]
        agreeing += label_of(own) == label_of(sum(others) / len(others))
    return agreeing / len(ratings)


HAND_MADE = [
    [4, 3, 2],  # everyone positive: 1
    [-4, -3, 4],  # -4 sees mean 0.5 (positive), -3 sees 0 (neutral), 4 sees -3.5 (negative): 0
    [0, 0, 0, 0],  # all neutral: 1
    [1, -1],  # each compared with the other alone: 0
    [1, 0],  # 1 vs 0 (neutral): no; 0 vs 1 (positive): no -> 0
    [-1, 0, 0, 1],  # others' means -> 1/3, 0, 0, -1/3: only the zeros agree
    [-1, -1, 0],  # each -1 sees mean -0.5: exactly the negative threshold, which counts as negative
    [1, 1, 0],  # each 1 sees mean 0.5: exactly the positive threshold, which counts as positive
    [3],  # one rater: nothing to compare with
    [],
    None,
]


def test_review_agreement_equals_brute_force_on_hand_made_ratings() -> None:
    got = review_agreement(pd.Series(HAND_MADE, dtype=object))
    expected = [brute_force_agreement(r) for r in HAND_MADE]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, equal_nan=True)
    # A few worked out by hand, so the oracle itself is checked.
    assert got[0] == 1.0 and got[2] == 1.0 and got[3] == 0.0 and got[4] == 0.0
    assert got[1] == 0.0 and got[5] == pytest.approx(0.5)
    assert got[6] == pytest.approx(2 / 3) and got[7] == pytest.approx(2 / 3)
    assert np.isnan(got[8:]).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_review_agreement_equals_brute_force_on_random_ratings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ratings = []
    for _ in range(300):
        size = int(rng.integers(0, 12))
        centre = rng.integers(-3, 4)
        ratings.append(list(np.clip(centre + rng.integers(-2, 3, size=size), -4, 4).astype(float)))
    ratings[5] = None
    ratings[6] = np.array([1.0, 2.0, -3.0])  # as read back from parquet
    got = review_agreement(pd.Series(ratings, dtype=object))
    expected = [brute_force_agreement(r) for r in ratings]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, equal_nan=True)
    few_raters = np.array([r is None or len(r) < 2 for r in ratings])
    assert few_raters.any()
    assert np.isnan(got[few_raters]).all() and np.isfinite(got[~few_raters]).all()


def test_missing_or_malformed_ratings_count_as_no_ratings() -> None:
    got = review_agreement(pd.Series([[1, 2], np.nan, "[1, 2, 3]", None, (0, 0)], dtype=object))
    assert got[0] == 1.0 and got[4] == 1.0
    assert np.isnan(got[1:4]).all()


def test_human_ceiling_overall_and_per_group_against_brute_force() -> None:
    rng = np.random.default_rng(7)
    n = 400
    ratings = [list(rng.integers(-4, 5, size=int(rng.integers(0, 9)))) for _ in range(n)]
    groups = pd.Series(rng.choice(["Movies", "Tweets", "News"], size=n), dtype=object)
    groups[:5] = None
    ratings[:5] = [[1, 2, 3]] * 5  # the "(none)" slice has rated reviews
    ceiling = human_ceiling(pd.Series(ratings, dtype=object, index=np.arange(100, 100 + n)), groups.set_axis(np.arange(100, 100 + n)))
    assert ceiling is not None
    agreement = np.array([brute_force_agreement(r) for r in ratings])
    rated = np.isfinite(agreement)
    z = norm.ppf(0.975)
    named = groups.fillna(NO_CATEGORY).to_numpy()
    assert set(ceiling.by_group["slice"]) == {"Movies", "Tweets", "News", NO_CATEGORY}
    for name in [None, *ceiling.by_group["slice"]]:
        values = agreement[rated] if name is None else agreement[rated & (named == name)]
        estimate = ceiling.estimate(name)
        assert estimate is not None
        assert estimate.n == len(values)
        assert estimate.value == pytest.approx(values.mean(), abs=1e-12)
        half = z * values.std(ddof=1) / math.sqrt(len(values))
        assert estimate.low == pytest.approx(max(values.mean() - half, 0), abs=1e-12)
        assert estimate.high == pytest.approx(min(values.mean() + half, 1), abs=1e-12)
    assert ceiling.estimate("Nowhere") is None


def test_groups_without_rated_reviews_are_left_out() -> None:
    ratings = pd.Series([[1, 1], [2, 2, 2], None, [4]], dtype=object)
    groups = pd.Series(["Rated", "Rated", "Unrated", "Unrated"])
    ceiling = human_ceiling(ratings, groups)
    assert ceiling is not None
    assert set(ceiling.by_group["slice"]) == {"Rated"}
    assert ceiling.estimate("Unrated") is None
    assert ceiling.estimate().n == 2 and ceiling.estimate().value == 1.0


@pytest.mark.parametrize(
    "ratings",
    [
        pd.Series([None, None], dtype=object),
        pd.Series([[3], [], None], dtype=object),
        pd.Series([], dtype=object),
    ],
)
def test_no_ratings_gives_none(ratings: pd.Series) -> None:
    assert human_ceiling(ratings) is None
    assert human_ceiling(ratings, pd.Series(["A"] * len(ratings), dtype=object)) is None
