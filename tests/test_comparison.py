"""lib/quality/comparison.py: every delta against scikit-learn on the masked slice, McNemar, verdicts, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, binomtest
from sklearn.metrics import accuracy_score, f1_score, recall_score

from lib.errors import UserFacingError
from lib.quality.comparison import (
    BETTER,
    COMPARED_METRICS,
    MAYBE_BETTER,
    MAYBE_WORSE,
    NOISE,
    UNKNOWN,
    WORSE,
    Comparison,
    aligned_predictions,
    benjamini_hochberg,
    holm,
    paired_comparison,
    review_changes,
    run_confusions,
    unpaired_comparison,
    verdict,
)
from lib.quality.metrics import NO_CATEGORY, OVERALL, SENTIMENT_LABELS
from lib.stores import contract

LABELS = SENTIMENT_LABELS


def paired_predictions(seed: int, n: int = 800) -> pd.DataFrame:
    """Two runs on the same reviews, in groups; some slices lack a class, some labels are missing."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(LABELS, size=n, p=[0.4, 0.2, 0.4]).astype(object)
    baseline = np.where(rng.random(n) < 0.65, truth, rng.choice(LABELS, size=n)).astype(object)
    # The new run keeps most of the baseline's answers and fixes some of its mistakes.
    new = np.where(rng.random(n) < 0.3, truth, baseline).astype(object)
    new = np.where(rng.random(n) < 0.08, rng.choice(LABELS, size=n), new).astype(object)
    group = rng.choice(["Movies", "Tweets", "News", "Products"], size=n, p=[0.4, 0.3, 0.2, 0.1]).astype(object)
    truth[(group == "News") & (truth == "neutral")] = "positive"  # nobody truly neutral in News
    baseline[(group == "Tweets") & (baseline == "neutral")] = "negative"  # the baseline never says neutral on Tweets
    frame = pd.DataFrame({"true": truth, "base": baseline, "new": new, "group": group}).astype(object)
    frame.loc[rng.choice(n, size=12, replace=False), "true"] = None
    frame.loc[rng.choice(n, size=6, replace=False), "new"] = None
    frame.loc[rng.choice(n, size=10, replace=False), "group"] = None
    return frame


def macro_f1_oracle(y_true: list[str], y_pred: list[str]) -> float:
    """Macro F1 over the classes occurring in the slice (as true or predicted), by scikit-learn."""
    if not y_true:
        return np.nan
    present = [label for label in LABELS if label in set(y_true) | set(y_pred)]
    return f1_score(y_true, y_pred, labels=present, average="macro", zero_division=np.nan)


def metric_oracle(metric: str, y_true: list[str], y_pred: list[str]) -> float:
    if metric == "accuracy":
        return accuracy_score(y_true, y_pred) if y_true else np.nan
    if metric == "macro_f1":
        return macro_f1_oracle(y_true, y_pred)
    label = metric.split(":", 1)[1]
    return recall_score(y_true, y_pred, labels=[label], average=None, zero_division=np.nan)[0]


def everything(result: Comparison) -> pd.DataFrame:
    """All reviews' rows then every group's, in one frame (for checks that hold for every row)."""
    return pd.concat([result.overall.reset_index(), result.by_group], ignore_index=True)


def assert_close(got: float, expected: float, what: str) -> None:
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_paired_point_values_equal_sklearn_on_each_slice(seed: int) -> None:
    frame = paired_predictions(seed)
    result = paired_comparison(frame["true"], frame["base"], frame["new"], groups=frame["group"], n_boot=50, random_state=seed)
    known = frame[["true", "base", "new"]].notna().all(axis=1)
    group = frame["group"].fillna(NO_CATEGORY)

    slices = {None: known} | {name: known & (group == name) for name in group.unique()}
    assert set(result.by_group["slice"]) == set(slices) - {None}
    assert set(result.by_group["metric"]) == set(result.overall.index) == set(COMPARED_METRICS)
    for name, mask in slices.items():
        y_true, base, new = (list(frame.loc[mask, c]) for c in ("true", "base", "new"))
        for metric in COMPARED_METRICS:
            row = result.row(metric, name)
            expected_base, expected_new = metric_oracle(metric, y_true, base), metric_oracle(metric, y_true, new)
            assert_close(row["baseline"], expected_base, f"{name} / {metric} / baseline")
            assert_close(row["new"], expected_new, f"{name} / {metric} / new")
            assert_close(row["delta"], expected_new - expected_base, f"{name} / {metric} / delta")
            assert row["n"] == mask.sum()


def test_slices_missing_a_class_give_nan_deltas_with_a_cannot_tell_verdict() -> None:
    frame = paired_predictions(5)
    result = paired_comparison(frame["true"], frame["base"], frame["new"], groups=frame["group"], n_boot=100)
    news = result.row("recall:neutral", "News")  # nobody truly neutral there
    assert np.isnan(news["baseline"]) and np.isnan(news["delta"])
    assert np.isnan(news["low"]) and np.isnan(news["high"])
    assert news["verdict"] == UNKNOWN
    assert np.isfinite(result.row("recall:neutral", "Tweets")["delta"])


def brute_force_fixed_broken(truth: list, base: list, new: list) -> tuple[int, int]:
    fixed = broken = 0
    for t, a, b in zip(truth, base, new, strict=True):
        if t is None or a is None or b is None:
            continue
        fixed += a != t and b == t
        broken += a == t and b != t
    return fixed, broken


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fixed_broken_counts_and_mcnemar_p(seed: int) -> None:
    frame = paired_predictions(seed)
    result = paired_comparison(frame["true"], frame["base"], frame["new"], n_boot=20)
    fixed, broken = brute_force_fixed_broken(list(frame["true"]), list(frame["base"]), list(frame["new"]))
    assert (result.fixed, result.broken) == (fixed, broken)
    assert fixed > 0 and broken > 0
    assert result.mcnemar_p == pytest.approx(binomtest(fixed, fixed + broken, 0.5).pvalue, abs=1e-12)
    # Exact McNemar written out: twice the binomial tail of the smaller discordant count.
    two_sided = min(1.0, 2 * binom.cdf(min(fixed, broken), fixed + broken, 0.5))
    assert result.mcnemar_p == pytest.approx(two_sided, abs=1e-12)
    assert result.paired


def test_identical_runs_change_nothing() -> None:
    frame = paired_predictions(1)
    result = paired_comparison(frame["true"], frame["base"], frame["base"], groups=frame["group"], n_boot=200)
    assert result.fixed == result.broken == 0
    assert result.mcnemar_p == 1.0
    table = everything(result)
    defined = table[np.isfinite(table["delta"])]
    assert (defined["delta"] == 0).all() and (defined["low"] == 0).all() and (defined["high"] == 0).all()
    assert set(defined["verdict"]) == {NOISE}


def test_verdict_rules() -> None:
    assert verdict(0.01, 0.05) == BETTER
    assert verdict(-0.05, -0.01) == WORSE
    assert verdict(-0.01, 0.02) == NOISE
    assert verdict(0.0, 0.05) == NOISE  # an interval touching 0 does not exclude it
    assert verdict(-0.05, 0.0) == NOISE
    assert verdict(np.nan, 0.05) == UNKNOWN
    assert verdict(0.01, np.inf) == UNKNOWN
    assert verdict(0.01, 0.05, p_adjusted=0.2) == MAYBE_BETTER  # clear alone, not after the adjustment
    assert verdict(-0.05, -0.01, p_adjusted=0.06) == MAYBE_WORSE
    assert verdict(-0.01, 0.02, p_adjusted=0.001) == NOISE


def test_verdicts_follow_the_intervals_and_the_direction_of_change() -> None:
    rng = np.random.default_rng(3)
    truth = pd.Series(rng.choice(LABELS, size=1500))
    weak = pd.Series(np.where(rng.random(1500) < 0.55, truth, rng.choice(LABELS, size=1500)))
    better = paired_comparison(truth, weak, truth, n_boot=300)
    assert better.row("accuracy")["verdict"] == BETTER
    assert better.row("accuracy")["low"] > 0
    assert better.mcnemar_p < 1e-6 and better.broken == 0
    worse = paired_comparison(truth, truth, weak, n_boot=300)
    assert worse.row("accuracy")["verdict"] == WORSE
    assert worse.row("macro_f1")["high"] < 0
    table = everything(better)
    expected = [verdict(lo, hi, p) for lo, hi, p in zip(table["low"], table["high"], table["p_adjusted"], strict=True)]
    assert (table["verdict"] == expected).all()


def test_intervals_reproducible_with_same_random_state() -> None:
    frame = paired_predictions(4)
    args = (frame["true"], frame["base"], frame["new"])
    first = paired_comparison(*args, groups=frame["group"], n_boot=200, random_state=11)
    again = paired_comparison(*args, groups=frame["group"], n_boot=200, random_state=11)
    other = paired_comparison(*args, groups=frame["group"], n_boot=200, random_state=12)
    first, again, other = everything(first), everything(again), everything(other)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_series_equal(first["delta"], other["delta"])
    assert not np.allclose(first["low"], other["low"], equal_nan=True)


def test_intervals_contain_the_delta() -> None:
    frame = paired_predictions(6, n=3000)
    result = paired_comparison(frame["true"], frame["base"], frame["new"], groups=frame["group"], n_boot=400)
    table = everything(result)
    defined = table[np.isfinite(table["delta"]) & (table["n"] >= 200)]
    assert len(defined) >= 20
    assert (defined["low"] <= defined["delta"] + 1e-12).all() and (defined["delta"] <= defined["high"] + 1e-12).all()


def test_unknown_label_in_either_run_is_a_user_facing_error() -> None:
    truth = pd.Series(["negative", "positive"])
    with pytest.raises(UserFacingError, match="'meh'"):
        paired_comparison(truth, pd.Series(["negative", "positive"]), pd.Series(["negative", "meh"]), n_boot=10)
    with pytest.raises(UserFacingError, match="'Positive'"):
        paired_comparison(truth, pd.Series(["negative", "Positive"]), pd.Series(["negative", "positive"]), n_boot=10)


# ---- coverage simulation ---------------------------------------------------------------


def joint_population() -> np.ndarray:
    """P(true, baseline says, new says) over 27 cells: the new run fixes more than it breaks.

    Baseline right with probability 0.70; when it is right, the new run stays right with 0.90;
    when it is wrong, the new run is right with 0.35. Wrong answers pick either other label.
    """
    p_true = np.array([0.4, 0.2, 0.4])
    joint = np.zeros((3, 3, 3))
    for t in range(3):
        for a in range(3):
            p_a = 0.70 if a == t else 0.15
            for b in range(3):
                p_b = (0.90 if b == t else 0.05) if a == t else (0.35 if b == t else 0.325)
                joint[t, a, b] = p_true[t] * p_a * p_b
    return joint


def test_paired_bootstrap_interval_of_accuracy_delta_covers_the_truth_about_95_percent() -> None:
    joint = joint_population()
    assert joint.sum() == pytest.approx(1.0)
    t_idx, a_idx, b_idx = np.indices(joint.shape)
    true_delta = float(joint[b_idx == t_idx].sum() - joint[a_idx == t_idx].sum())
    assert true_delta == pytest.approx(0.7 * 0.9 + 0.3 * 0.35 - 0.7)
    repetitions, reviews = 1000, 300
    rng = np.random.default_rng(20240612)
    labels = np.array(LABELS)
    covered = 0
    for rep in range(repetitions):
        cells = rng.choice(27, size=reviews, p=joint.ravel())
        t, a, b = np.unravel_index(cells, joint.shape)
        result = paired_comparison(
            pd.Series(labels[t]), pd.Series(labels[a]), pd.Series(labels[b]), metrics=("accuracy",), n_boot=400, random_state=rep
        )
        row = result.row("accuracy")
        covered += row["low"] <= true_delta <= row["high"]
    coverage = covered / repetitions
    print(f"paired bootstrap coverage of the accuracy delta over {repetitions} draws of {reviews}: {coverage:.3f}")
    assert 0.93 <= coverage <= 0.97


# ---- unpaired --------------------------------------------------------------------------


def run_frame(seed: int, categories: list[str], n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.choice(LABELS, size=n)
    return pd.DataFrame(
        {
            contract.REVIEW_ID: [f"r{seed}-{i}" for i in range(n)],
            contract.TEXT: [f"text {seed}-{i}" for i in range(n)],
            contract.TRUE_LABEL: truth,
            contract.PREDICTED_LABEL: np.where(rng.random(n) < 0.7, truth, rng.choice(LABELS, size=n)),
            contract.CATEGORY: rng.choice(categories, size=n),
        }
    )


def test_unpaired_comparison_keeps_only_slices_both_runs_have_and_matches_sklearn() -> None:
    base = run_frame(1, ["Movies", "Tweets", "News"])
    new = run_frame(2, ["Tweets", "News", "Products"])
    result = unpaired_comparison(run_confusions(base, contract.CATEGORY), run_confusions(new, contract.CATEGORY), n_boot=200)
    assert not result.paired and result.mcnemar_p is None and result.fixed == result.broken == 0
    assert set(result.by_group["slice"]) == {"Tweets", "News"}
    for name in (None, "Tweets", "News"):
        b = base if name is None else base[base[contract.CATEGORY] == name]
        w = new if name is None else new[new[contract.CATEGORY] == name]
        for metric in COMPARED_METRICS:
            row = result.row(metric, name)
            expected_base = metric_oracle(metric, list(b[contract.TRUE_LABEL]), list(b[contract.PREDICTED_LABEL]))
            expected_new = metric_oracle(metric, list(w[contract.TRUE_LABEL]), list(w[contract.PREDICTED_LABEL]))
            assert_close(row["baseline"], expected_base, f"{name} / {metric}")
            assert_close(row["delta"], expected_new - expected_base, f"{name} / {metric}")
            assert row["low"] <= row["high"]
        assert result.row("accuracy", name)["n"] == min(len(b), len(w))
    with pytest.raises(KeyError):
        result.row("accuracy", "Movies")


def test_unpaired_without_category_compares_all_reviews_only() -> None:
    base, new = run_frame(1, ["Movies"]), run_frame(2, ["Movies"])
    result = unpaired_comparison(run_confusions(base), run_confusions(new), n_boot=50)
    assert result.by_group.empty and set(result.overall.index) == set(COMPARED_METRICS)


def test_run_on_unlabelled_reviews_compares_as_cannot_tell() -> None:
    base = run_frame(1, ["Movies", "Tweets"])
    unlabelled = run_frame(2, ["Movies", "Tweets"]).drop(columns=contract.TRUE_LABEL)
    confusions = run_confusions(unlabelled, contract.CATEGORY)
    assert confusions.groups == () and confusions.overall.sum() == 0
    result = unpaired_comparison(run_confusions(base, contract.CATEGORY), confusions, n_boot=50)
    assert result.by_group.empty
    assert set(result.overall["verdict"]) == {UNKNOWN}
    assert result.row("accuracy")["n"] == 0


# ---- aligning two runs' predictions ----------------------------------------------------


def test_aligned_predictions_matches_reviews_by_id_whatever_the_order() -> None:
    base = run_frame(1, ["Movies", "Tweets"])
    new = base.sample(frac=1, random_state=0).reset_index(drop=True)
    new[contract.PREDICTED_LABEL] = np.random.default_rng(9).choice(LABELS, size=len(new))
    aligned = aligned_predictions(base, new)
    assert aligned is not None and len(aligned) == len(base)
    expected_new = new.set_index(contract.REVIEW_ID)[contract.PREDICTED_LABEL]
    assert (aligned["new_says"].to_numpy() == expected_new.loc[aligned[contract.REVIEW_ID]].to_numpy()).all()
    assert (aligned["baseline_said"].to_numpy() == base[contract.PREDICTED_LABEL].to_numpy()).all()
    assert list(aligned[contract.CATEGORY]) == list(base[contract.CATEGORY])
    # The same order (the usual case: runs of one file), whatever the frames' own index.
    same_order = base.assign(**{contract.PREDICTED_LABEL: np.random.default_rng(3).choice(LABELS, size=len(base))})
    same_order.index = same_order.index + 1000
    aligned = aligned_predictions(base, same_order)
    assert aligned is not None and list(aligned.columns) == [
        contract.REVIEW_ID, contract.TEXT, contract.TRUE_LABEL, contract.CATEGORY, "baseline_said", "new_says"
    ]  # fmt: skip
    assert (aligned["new_says"].to_numpy() == same_order[contract.PREDICTED_LABEL].to_numpy()).all()


def test_aligned_predictions_is_none_when_the_reviews_differ() -> None:
    base = run_frame(1, ["Movies", "Tweets"])
    other_ids = base.assign(**{contract.REVIEW_ID: [f"x{i}" for i in range(len(base))]})
    assert aligned_predictions(base, other_ids) is None
    other_truth = base.copy()
    other_truth.loc[7, contract.TRUE_LABEL] = "neutral" if base.loc[7, contract.TRUE_LABEL] != "neutral" else "positive"
    assert aligned_predictions(base, other_truth) is None
    assert aligned_predictions(base, base.iloc[:-1]) is None
    assert aligned_predictions(base, base.drop(columns=contract.REVIEW_ID)) is None
    duplicated = base.copy()
    duplicated.loc[1, contract.REVIEW_ID] = duplicated.loc[0, contract.REVIEW_ID]
    assert aligned_predictions(duplicated, base) is None
    assert aligned_predictions(base, duplicated) is None


def test_review_changes_lists_exactly_the_fixed_and_newly_broken_reviews() -> None:
    frame = paired_predictions(2, n=300)
    base = pd.DataFrame(
        {
            contract.REVIEW_ID: [f"r{i}" for i in range(len(frame))],
            contract.TEXT: [f"text {i}" for i in range(len(frame))],
            contract.TRUE_LABEL: frame["true"],
            contract.PREDICTED_LABEL: frame["base"],
        }
    )
    new = base.assign(**{contract.PREDICTED_LABEL: frame["new"].astype("string")})  # missing predictions as pd.NA
    aligned = aligned_predictions(base, new)
    assert aligned is not None
    changes = review_changes(aligned)
    expected = {"fixed": set(), "newly broken": set()}
    for review, t, a, b in zip(base[contract.REVIEW_ID], frame["true"], frame["base"], frame["new"], strict=True):
        if t is None or a is None or b is None:
            continue
        if a != t and b == t:
            expected["fixed"].add(review)
        elif a == t and b != t:
            expected["newly broken"].add(review)
    for kind, reviews in expected.items():
        assert set(changes.loc[changes["change"] == kind, contract.REVIEW_ID]) == reviews
    assert set(changes["change"]) == {"fixed", "newly broken"}
    result = paired_comparison(aligned[contract.TRUE_LABEL], aligned["baseline_said"], aligned["new_says"], n_boot=10)
    assert (result.fixed, result.broken) == (len(expected["fixed"]), len(expected["newly broken"]))


# ----------------------------------------------------------------------------- many comparisons


def test_holm_matches_its_definition() -> None:
    # Textbook example: sorted .005 .01 .03 .04 -> 4×.005, 3×.01, max(2×.03, …), max(1×.04, …)
    assert holm(np.array([0.01, 0.04, 0.03, 0.005])) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert np.isnan(holm(np.array([0.2, np.nan]))[1]) and holm(np.array([0.2, np.nan]))[0] == pytest.approx(0.2)
    assert holm(np.array([0.9, 0.8, 0.7])).max() <= 1.0


def test_benjamini_hochberg_matches_its_definition() -> None:
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    m = len(p)
    order = np.argsort(p)
    brute = np.empty(m)
    for rank, i in enumerate(order, start=1):  # min over the larger p-values of m·p(j)/j
        brute[i] = min(1.0, min(m * p[j] / (r + 1) for r, j in enumerate(order) if r + 1 >= rank))
    assert benjamini_hochberg(p) == pytest.approx(brute)


def null_runs(seed: int, categories: int = 30, n: int = 3_000) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Two runs equally good on every category (errors independent), as in a real A/B of similar models."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(LABELS, size=n, p=[0.4, 0.2, 0.4])
    runs = [np.where(rng.random(n) < 0.7, truth, rng.choice(LABELS, size=n)) for _ in range(2)]
    groups = rng.choice([f"category {i:02}" for i in range(categories)], size=n)
    return pd.Series(truth), pd.Series(runs[0]), pd.Series(runs[1]), pd.Series(groups)


def test_no_true_difference_over_30_categories_rarely_announces_a_real_change() -> None:
    """200 seeds of two equally good runs: the share announcing any real category change stays ≤ 5% (± simulation error)."""
    seeds = 200
    announced, hinted = 0, 0
    for seed in range(seeds):
        truth, base, new, groups = null_runs(seed)
        per_category = paired_comparison(truth, base, new, groups=groups, n_boot=300, random_state=seed).by_group
        announced += per_category["verdict"].isin([BETTER, WORSE]).any()
        hinted += per_category["verdict"].isin([MAYBE_BETTER, MAYBE_WORSE]).any()
    simulation_error = 2 * np.sqrt(0.05 * 0.95 / seeds)
    assert announced / seeds <= 0.05 + simulation_error
    # Without the adjustment nearly every run would have announced something: 150 tests at 5% each.
    assert hinted / seeds > 0.5


def test_exact_mcnemar_per_slice_agrees_with_scipy(seed: int = 5) -> None:
    frame = paired_predictions(seed).dropna()
    result = paired_comparison(frame["true"], frame["base"], frame["new"], groups=frame["group"], n_boot=100)
    assert result.row("accuracy")["p_value"] == pytest.approx(result.mcnemar_p)
    for name, rows in frame.groupby("group"):
        for label in LABELS:
            mask = rows["true"] == label
            fixed = int((mask & (rows["base"] != rows["true"]) & (rows["new"] == rows["true"])).sum())
            broken = int((mask & (rows["base"] == rows["true"]) & (rows["new"] != rows["true"])).sum())
            expected = binomtest(fixed, fixed + broken, 0.5).pvalue if fixed + broken else 1.0
            row = result.row(f"recall:{label}", name)
            if np.isfinite(row["delta"]):
                assert row["p_value"] == pytest.approx(expected), (name, label)


def test_a_real_change_in_one_category_is_still_found() -> None:
    truth, base, new, groups = null_runs(7)
    worse_here = (groups == "category 03").to_numpy()
    new = pd.Series(np.where(worse_here, np.roll(truth.to_numpy(), 1), truth.to_numpy()))  # right elsewhere, mostly wrong here
    base = truth.copy()
    table = paired_comparison(truth, base, new, groups=groups, n_boot=300).by_group
    row = table[(table["slice"] == "category 03") & (table["metric"] == "accuracy")].iloc[0]
    assert row["verdict"] == WORSE and row["p_adjusted"] < 0.05


def test_a_category_named_like_the_overall_title_keeps_its_own_changes() -> None:
    frame = paired_predictions(3)
    frame.loc[frame["group"] == "Movies", "group"] = OVERALL  # a category really called "All reviews"
    known = frame[["true", "base", "new"]].notna().all(axis=1)
    mask = known & (frame["group"] == OVERALL)
    result = paired_comparison(frame["true"], frame["base"], frame["new"], groups=frame["group"], n_boot=50)
    assert result.row("accuracy")["n"] == known.sum()
    assert result.row("accuracy", OVERALL)["n"] == mask.sum() < known.sum()
    y_true, new = list(frame.loc[mask, "true"]), list(frame.loc[mask, "new"])
    assert_close(result.row("accuracy", OVERALL)["new"], metric_oracle("accuracy", y_true, new), "category All reviews")
    runs = [
        frame.rename(columns={"true": contract.TRUE_LABEL, said: contract.PREDICTED_LABEL, "group": contract.CATEGORY})
        for said in ("base", "new")
    ]
    unpaired = unpaired_comparison(*(run_confusions(run[known], contract.CATEGORY) for run in runs), n_boot=50)
    assert unpaired.row("accuracy")["n"] == known.sum()
    assert unpaired.row("accuracy", OVERALL)["n"] == mask.sum()
