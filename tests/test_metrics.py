"""lib/quality/metrics.py: every number against scikit-learn (brute-force oracle per slice), intervals, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, norm
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from lib.errors import UserFacingError
from lib.quality.intervals import wilson_interval
from lib.quality.metrics import (
    NO_CATEGORY,
    OVERALL,
    SENTIMENT_LABELS,
    Estimate,
    QualityReport,
    checked_label_codes,
    confusion_counts,
    metric_table,
    quality_report,
)

LABELS = SENTIMENT_LABELS
Z95 = norm.ppf(0.975)


def random_predictions(seed: int, n: int = 600) -> pd.DataFrame:
    """Labelled reviews in groups, some of them built so that a class is absent from the slice."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(LABELS, size=n, p=[0.4, 0.2, 0.4])
    # A model right ~70% of the time, otherwise a random other label.
    right = rng.random(n) < 0.7
    pred = np.where(right, truth, rng.choice(LABELS, size=n))
    group = rng.choice(["Movies", "Tweets", "News", "Products"], size=n, p=[0.4, 0.3, 0.2, 0.1]).astype(object)
    # "News": nobody is truly neutral; "Tweets": the model never says neutral.
    news = group == "News"
    truth[news & (truth == "neutral")] = "positive"
    pred[(group == "Tweets") & (pred == "neutral")] = "negative"
    # "Tiny": three reviews, all truly negative; one predicted positive.
    group[:3] = "Tiny"
    truth[:3] = "negative"
    pred[:3] = ["negative", "negative", "positive"]
    frame = pd.DataFrame({"true": truth, "pred": pred, "group": group}).astype(object)
    # Missing labels are left out of every count; a missing group becomes its own slice.
    frame.loc[rng.choice(np.arange(3, n), size=15, replace=False), "true"] = None
    frame.loc[rng.choice(np.arange(3, n), size=10, replace=False), "group"] = None
    return frame


def sklearn_oracle(y_true: list[str], y_pred: list[str]) -> dict[str, float]:
    """The metric table of one slice, computed with scikit-learn only."""
    expected: dict[str, float] = {}
    if len(y_true) == 0:
        expected["accuracy"] = np.nan
        expected["macro_f1"] = expected["weighted_f1"] = np.nan
    else:
        expected["accuracy"] = accuracy_score(y_true, y_pred)
        present = [label for label in LABELS if label in set(y_true) | set(y_pred)]
        expected["macro_f1"] = f1_score(y_true, y_pred, labels=present, average="macro", zero_division=np.nan)
        expected["weighted_f1"] = f1_score(y_true, y_pred, labels=present, average="weighted", zero_division=np.nan)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=list(LABELS), zero_division=np.nan)
    for i, label in enumerate(LABELS):
        expected[f"precision:{label}"] = precision[i]
        expected[f"recall:{label}"] = recall[i]
        expected[f"f1:{label}"] = f1[i]
        expected[f"support:{label}"] = support[i]
    return expected


def assert_matches_oracle(report: QualityReport, group: str | None, y_true: list[str], y_pred: list[str]) -> None:
    """Every figure of all reviews (group None) or of one group equals scikit-learn's."""
    rows = report.overall if group is None else report.by_group[report.by_group["slice"] == group].set_index("metric")
    got = rows["value"]
    slice_name = group or "all reviews"
    expected = sklearn_oracle(y_true, y_pred)
    assert set(got.index) == set(expected)
    for metric, value in expected.items():
        np.testing.assert_allclose(got[metric], value, rtol=0, atol=1e-9, equal_nan=True, err_msg=f"{slice_name} / {metric}")


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_every_number_equals_sklearn_overall_and_per_group(seed: int) -> None:
    frame = random_predictions(seed)
    report = quality_report(frame["true"], frame["pred"], groups=frame["group"], n_boot=50, random_state=seed)
    known = frame["true"].notna() & frame["pred"].notna()

    assert set(report.groups) == {"Movies", "Tweets", "News", "Products", "Tiny", NO_CATEGORY}
    assert report.n == known.sum()
    assert_matches_oracle(report, None, list(frame.loc[known, "true"]), list(frame.loc[known, "pred"]))
    group = frame["group"].fillna(NO_CATEGORY)
    for name in report.groups:
        mask = known & (group == name)
        assert_matches_oracle(report, name, list(frame.loc[mask, "true"]), list(frame.loc[mask, "pred"]))


def test_a_category_named_like_the_overall_title_keeps_its_own_figures() -> None:
    frame = random_predictions(1)
    frame.loc[frame["group"] == "Movies", "group"] = OVERALL  # a category really called "All reviews"
    report = quality_report(frame["true"], frame["pred"], groups=frame["group"], n_boot=50)
    known = frame["true"].notna() & frame["pred"].notna()
    mask = known & (frame["group"] == OVERALL)
    assert OVERALL in report.groups and len(report.groups) == len(set(report.groups))
    assert report.estimate("accuracy").n == known.sum()
    assert report.estimate("accuracy", OVERALL).n == mask.sum() < known.sum()
    assert_matches_oracle(report, None, list(frame.loc[known, "true"]), list(frame.loc[known, "pred"]))
    assert_matches_oracle(report, OVERALL, list(frame.loc[mask, "true"]), list(frame.loc[mask, "pred"]))
    assert OVERALL in set(report.by_metric("accuracy")["slice"])


def test_absent_class_gives_nan_never_zero() -> None:
    frame = random_predictions(7)
    report = quality_report(frame["true"], frame["pred"], groups=frame["group"], n_boot=50)
    # Nobody truly neutral in "News": recall cannot be measured, precision of neutral is a real 0.
    news_recall = report.estimate("recall:neutral", "News")
    assert np.isnan(news_recall.value) and np.isnan(news_recall.low) and np.isnan(news_recall.high)
    assert news_recall.n == 0
    assert not news_recall.is_defined
    assert report.estimate("precision:neutral", "News").value == 0.0
    # The model never says neutral in "Tweets": precision is NaN, recall a real 0.
    assert np.isnan(report.estimate("precision:neutral", "Tweets").value)
    assert report.estimate("recall:neutral", "Tweets").value == 0.0
    # "Tiny" has neither truly nor predicted neutral: F1 of neutral is NaN and its interval too.
    tiny_f1 = report.estimate("f1:neutral", "Tiny")
    assert np.isnan(tiny_f1.value) and np.isnan(tiny_f1.low) and np.isnan(tiny_f1.high)
    # Its macro F1 averages the two classes that occur: negative 2*2/(3+2) and positive 0.
    assert report.estimate("macro_f1", "Tiny").value == pytest.approx((0.8 + 0.0) / 2, abs=1e-12)


def test_counts_column_n_says_what_each_number_rests_on() -> None:
    y_true = pd.Series(["negative"] * 5 + ["neutral"] * 3 + ["positive"] * 2)
    y_pred = pd.Series(["negative"] * 4 + ["neutral"] + ["neutral"] * 2 + ["positive"] + ["positive", "negative"])
    report = quality_report(y_true, y_pred, n_boot=0)
    assert report.estimate("accuracy").n == 10
    assert report.estimate("recall:neutral").n == 3  # truly neutral
    assert report.estimate("precision:neutral").n == 3  # predicted neutral
    assert report.estimate("f1:negative").n == 5 + 5 - 4  # truly or predicted negative
    np.testing.assert_array_equal(report.overall_confusion, [[4, 1, 0], [0, 2, 1], [1, 0, 1]])


def test_missing_and_blank_groups_form_one_slice() -> None:
    y = pd.Series(["negative", "neutral", "positive", "positive"])
    counts = confusion_counts(y, y, groups=pd.Series([None, "  ", "Tweets ", "Tweets"], dtype=object))
    names, cms = list(counts.groups), counts.by_group
    assert sorted(names) == sorted([NO_CATEGORY, "Tweets"])
    assert cms[names.index(NO_CATEGORY)].sum() == 2 and cms[names.index("Tweets")].sum() == 2


def test_confusion_counts_per_group_add_up_to_overall() -> None:
    frame = random_predictions(3)
    overall = confusion_counts(frame["true"], frame["pred"]).overall
    per_group = confusion_counts(frame["true"], frame["pred"], groups=frame["group"])
    assert len(per_group.groups) == per_group.by_group.shape[0]
    np.testing.assert_array_equal(per_group.by_group.sum(axis=0), overall)
    np.testing.assert_array_equal(per_group.overall, overall)


# ---- intervals -------------------------------------------------------------------------


def wilson_by_quadratic(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson interval as the two p with (p_hat - p)^2 = z^2 p (1 - p) / n."""
    p_hat = successes / n
    roots = np.roots([1 + z**2 / n, -(2 * p_hat + z**2 / n), p_hat**2])
    return float(min(roots.real)), float(max(roots.real))


def test_wilson_interval_known_value_81_of_263() -> None:
    low, high = wilson_interval(81, 263)
    expected_low, expected_high = wilson_by_quadratic(81, 263)
    assert float(low) == pytest.approx(expected_low, abs=1e-12)
    assert float(high) == pytest.approx(expected_high, abs=1e-12)
    assert (round(float(low), 4), round(float(high), 4)) == (0.2553, 0.3662)
    # At both ends the score statistic is exactly z: that is what defines the interval.
    for bound in (float(low), float(high)):
        assert abs(81 / 263 - bound) / np.sqrt(bound * (1 - bound) / 263) == pytest.approx(Z95, abs=1e-9)


@pytest.mark.parametrize(("successes", "n"), [(0, 10), (10, 10), (1, 2), (37, 40), (500, 1000), (3, 7)])
def test_wilson_interval_matches_quadratic_and_contains_share(successes: int, n: int) -> None:
    low, high = wilson_interval(np.array([successes]), np.array([n]))
    expected_low, expected_high = wilson_by_quadratic(successes, n)
    assert low[0] == pytest.approx(max(expected_low, 0.0), abs=1e-9)
    assert high[0] == pytest.approx(min(expected_high, 1.0), abs=1e-9)
    assert low[0] <= successes / n <= high[0]


def test_wilson_interval_other_confidence_and_empty() -> None:
    low90, high90 = wilson_interval(81, 263, confidence=0.90)
    expected = wilson_by_quadratic(81, 263, z=norm.ppf(0.95))
    assert (float(low90), float(high90)) == pytest.approx(expected, abs=1e-12)
    low95, high95 = wilson_interval(81, 263)
    assert low95 < low90 < high90 < high95
    low, high = wilson_interval(np.array([0, 5]), np.array([0, 10]))
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert np.isfinite(low[1]) and np.isfinite(high[1])


def test_every_interval_contains_its_value() -> None:
    frame = random_predictions(11, n=2000)
    report = quality_report(frame["true"], frame["pred"], groups=frame["group"], n_boot=300, random_state=3)
    everything = pd.concat([report.overall.reset_index(), report.by_group])
    table = everything[np.isfinite(everything["value"])]
    # Wilson intervals always contain the share; percentile-bootstrap intervals do for slices of this size.
    big_enough = (table["n"] >= 30) | ~table["metric"].str.contains("f1")
    checked = table[big_enough]
    assert len(checked) > 40
    assert (checked["low"] <= checked["value"] + 1e-12).all()
    assert (checked["value"] <= checked["high"] + 1e-12).all()
    assert ((checked["low"] >= 0) & (checked["high"] <= 1) | checked["metric"].str.startswith("support:")).all()
    # Undefined values never carry an interval.
    undefined = everything[~np.isfinite(everything["value"])]
    assert undefined["low"].isna().all() and undefined["high"].isna().all()


def test_intervals_reproducible_with_same_seed_and_different_with_another() -> None:
    frame = random_predictions(5)
    first, again, other = (
        quality_report(frame["true"], frame["pred"], groups=frame["group"], n_boot=200, random_state=seed).by_group for seed in (42, 42, 43)
    )
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_series_equal(first["value"], other["value"])
    f1_rows = first["metric"].str.contains("f1") & np.isfinite(first["value"])
    assert not np.allclose(first.loc[f1_rows, "low"], other.loc[f1_rows, "low"], equal_nan=True)
    # Wilson intervals do not depend on the seed.
    wilson_rows = first["metric"].str.match(r"accuracy|precision|recall")
    pd.testing.assert_frame_equal(first[wilson_rows], other[wilson_rows])


def test_empty_slice_has_nan_values_and_intervals() -> None:
    y_true = pd.Series(["negative", "positive", None, None])
    y_pred = pd.Series(["negative", "negative", "positive", "neutral"])
    groups = pd.Series(["kept", "kept", "unlabelled", "unlabelled"])
    report = quality_report(y_true, y_pred, groups=groups, n_boot=100)
    empty = report.by_group[report.by_group["slice"] == "unlabelled"]
    assert (empty.loc[~empty["metric"].str.startswith("support:"), ["value", "low", "high"]].isna()).all().all()
    assert (empty["n"] == 0).all()
    accuracy = report.estimate("accuracy", "unlabelled")
    assert isinstance(accuracy, Estimate) and not accuracy.is_defined and accuracy.n == 0
    assert report.estimate("accuracy", "kept").value == 0.5


def test_no_bootstrap_gives_values_without_f1_intervals() -> None:
    frame = random_predictions(2)
    report = quality_report(frame["true"], frame["pred"], n_boot=0)
    macro = report.estimate("macro_f1")
    assert np.isfinite(macro.value) and np.isnan(macro.low) and np.isnan(macro.high)
    assert np.isfinite(report.estimate("accuracy").low)


def test_unknown_metric_or_slice_is_a_key_error() -> None:
    report = quality_report(pd.Series(["negative"]), pd.Series(["negative"]), n_boot=0)
    with pytest.raises(KeyError, match="nonsense"):
        report.estimate("nonsense")


# ---- label validation ------------------------------------------------------------------


def test_unknown_true_label_raises_user_facing_error_naming_it() -> None:
    with pytest.raises(UserFacingError) as caught:
        quality_report(pd.Series(["negative", "Positive"]), pd.Series(["negative", "positive"]))
    assert "'Positive'" in caught.value.message
    assert "true label" in caught.value.message
    assert "negative" in caught.value.hint


def test_unknown_predicted_label_raises_user_facing_error_naming_it() -> None:
    with pytest.raises(UserFacingError) as caught:
        checked_label_codes(pd.Series(["negative", "neutral"]), pd.Series(["negative", "meh"]), LABELS)
    assert "'meh'" in str(caught.value)
    assert "predicted label" in str(caught.value)


def test_unknown_labels_of_mixed_types_still_raise_user_facing_error() -> None:
    with pytest.raises(UserFacingError) as caught:
        checked_label_codes(pd.Series(["negative", 5, "good"], dtype=object), pd.Series(["negative"] * 3), LABELS)
    assert "5" in caught.value.message and "'good'" in caught.value.message


def test_rows_of_different_length_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="rows"):
        checked_label_codes(pd.Series(["negative"]), pd.Series(["negative", "neutral"]), LABELS)


# ---- coverage simulation ---------------------------------------------------------------

POPULATION = np.array(
    [
        [0.30, 0.05, 0.03],
        [0.06, 0.10, 0.04],
        [0.02, 0.04, 0.36],
    ]
)


def population_macro_f1(p: np.ndarray) -> float:
    """Macro F1 of the population itself: per class 2 p_ii / (row_i + column_i)."""
    return float(np.mean(2 * np.diag(p) / (p.sum(axis=1) + p.sum(axis=0))))


def test_intervals_cover_the_population_value_about_95_percent_of_the_time() -> None:
    repetitions, reviews = 2000, 300
    rng = np.random.default_rng(20240611)
    cms = rng.multinomial(reviews, POPULATION.ravel(), size=repetitions).reshape(repetitions, 3, 3)
    table = metric_table(cms, n_boot=500, random_state=7)

    def coverage(metric: str, truth: float) -> float:
        rows = table[table["metric"] == metric]
        assert len(rows) == repetitions and rows["low"].notna().all()
        return float(((rows["low"] <= truth) & (truth <= rows["high"])).mean())

    accuracy_coverage = coverage("accuracy", float(np.trace(POPULATION)))
    macro_f1_coverage = coverage("macro_f1", population_macro_f1(POPULATION))
    print(f"coverage over {repetitions} draws of {reviews}: accuracy {accuracy_coverage:.3f}, macro F1 {macro_f1_coverage:.3f}")
    assert 0.93 <= accuracy_coverage <= 0.97
    assert 0.93 <= macro_f1_coverage <= 0.97


def test_wilson_exact_coverage_stays_near_95_percent_for_300_reviews() -> None:
    # Exact, not simulated: sum the binomial probabilities of every outcome whose interval holds p.
    n = 300
    successes = np.arange(n + 1)
    low, high = wilson_interval(successes, np.full(n + 1, n))
    for p in np.linspace(0.05, 0.95, 91):
        covered = (low <= p) & (p <= high)
        assert 0.93 <= binom.pmf(successes, n, p)[covered].sum() <= 0.97, p
