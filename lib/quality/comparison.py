"""Is the new version really better? Deltas between two runs with honest intervals.

* Same reviews (same dataset hash): a **paired** bootstrap. Resampling reviews is a
  multinomial draw over the joint cells (true label, baseline says, new version says), 27
  cells for 3 classes, so both confusion matrices of each replicate come from the same
  resampled reviews and the cost does not grow with the number of reviews. Accuracy also
  gets McNemar's exact test on the reviews where exactly one of the two runs is right.
* Different reviews: an **unpaired** bootstrap of each run's confusion cells; only
  headline figures are compared (per-review fixes and breaks do not exist).

Many comparisons at once (5 measures overall, 5 per category) would announce about one
"real" change in twenty by chance alone. Each change therefore gets a p-value (paired
accuracy and per-class recall: McNemar's exact test on the reviews only one run gets right;
other measures and unpaired runs: a two-sided Wald test with the bootstrap's standard
error), adjusted with **Holm** across the headline
measures (all reviews) and with **Benjamini–Hochberg** across every per-category change
(false discovery rate 5%). A verdict is "better" or "worse" only when the adjusted p-value
is below 5% *and* the 95% interval of the change excludes 0; an interval that excludes 0
without surviving the adjustment is "maybe better" / "maybe worse": a hint, not proof.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy.special import ndtr  # the normal CDF; scipy.stats is imported only where tests need it (it is slow to import)

from lib.quality.intervals import percentile_interval
from lib.quality.metrics import (
    DEFAULT_BOOTSTRAP_SAMPLES,
    SENTIMENT_LABELS,
    Confusions,
    bootstrap_confusions,
    checked_label_codes,
    class_counts,
    confusion_counts,
    f1_scores,
    group_codes_of,
    split_overall,
)
from lib.stores import contract
from lib.stores.tracking import RunSummary

COMPARED_METRICS = ("accuracy", "macro_f1", *(f"recall:{label}" for label in SENTIMENT_LABELS))
BETTER, WORSE, NOISE, UNKNOWN = "better", "worse", "within noise", "cannot tell"
MAYBE_BETTER, MAYBE_WORSE = "maybe better", "maybe worse"
SIGNIFICANCE = 0.05


def measured_on_same_reviews(run: RunSummary, baseline: RunSummary) -> bool:
    """True when both runs scored the same reviews (equal recorded dataset hashes of one scheme).

    Only then does "change against the baseline" mean anything; a run that recorded no
    hash cannot be shown to match, so it gets no change either. Hashes of different schemes
    say nothing (``hashes_comparable``): recompute them from the predictions instead.
    """
    return hashes_comparable(run, baseline) and run.dataset_hash == baseline.dataset_hash


def hashes_comparable(run: RunSummary, baseline: RunSummary) -> bool:
    """True when both runs recorded a dataset hash computed the same way."""
    return bool(run.dataset_hash and baseline.dataset_hash) and run.dataset_hash_scheme == baseline.dataset_hash_scheme


def point_metrics(cms: np.ndarray, labels: tuple[str, ...] = SENTIMENT_LABELS) -> dict[str, np.ndarray]:
    """Accuracy, F1 averages and per-class precision/recall/F1 for cms of shape (..., K, K)."""
    c = class_counts(cms)
    total = c["support"].sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = {"accuracy": np.where(total > 0, c["tp"].sum(axis=-1) / np.maximum(total, 1), np.nan)}
        f1 = f1_scores(cms)
        values["macro_f1"] = f1["macro"]
        values["weighted_f1"] = f1["weighted"]
        for i, label in enumerate(labels):
            values[f"recall:{label}"] = np.where(c["support"][..., i] > 0, c["tp"][..., i] / np.maximum(c["support"][..., i], 1), np.nan)
            values[f"precision:{label}"] = np.where(
                c["predicted"][..., i] > 0, c["tp"][..., i] / np.maximum(c["predicted"][..., i], 1), np.nan
            )
            values[f"f1:{label}"] = f1["per_class"][..., i]
    return values


def verdict(low: float, high: float, p_adjusted: float = 0.0) -> str:
    """'better' / 'worse' when the interval excludes 0 and the adjusted p-value is below 5%.

    An interval that excludes 0 with an adjusted p-value of 5% or more is only 'maybe better'
    / 'maybe worse'; an interval around 0 is 'within noise'.
    """
    if not (np.isfinite(low) and np.isfinite(high)):
        return UNKNOWN
    if low <= 0 <= high:
        return NOISE
    real = np.isfinite(p_adjusted) and p_adjusted < SIGNIFICANCE
    if low > 0:
        return BETTER if real else MAYBE_BETTER
    return WORSE if real else MAYBE_WORSE


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values (family-wise error), NaN kept as NaN."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if finite.size:
        order = finite[np.argsort(p[finite], kind="stable")]
        steps = (finite.size - np.arange(finite.size)) * p[order]
        adjusted[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    return adjusted


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (false discovery rate), NaN kept as NaN."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    finite = np.isfinite(p)
    if finite.any():
        from scipy.stats import false_discovery_control

        adjusted[finite] = false_discovery_control(p[finite], method="bh")
    return adjusted


def wald_p_values(delta: np.ndarray, delta_samples: np.ndarray) -> np.ndarray:
    """Two-sided p-values of 'no change' from the observed changes and their bootstrap replicates."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        se = np.nanstd(delta_samples, axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, np.abs(delta) / np.where(se > 0, se, 1.0), np.where(delta == 0, 0.0, np.inf))
    return np.where(np.isfinite(delta), 2 * ndtr(-z), np.nan)


@dataclass(frozen=True)
class Comparison:
    """Changes from a baseline run to a new run for all reviews (``overall``) and per group (``by_group``).

    Both tables have the columns baseline, new, delta, low, high, n, p_value, p_adjusted,
    verdict; ``overall`` is indexed by metric, ``by_group`` has the columns slice and metric.
    """

    paired: bool
    overall: pd.DataFrame
    by_group: pd.DataFrame
    mcnemar_p: float | None  # exact McNemar p-value for accuracy (paired only)
    fixed: int  # reviews the baseline got wrong and the new run gets right (paired only)
    broken: int  # reviews the baseline got right and the new run gets wrong (paired only)

    def row(self, metric: str, group: str | None = None) -> pd.Series:
        """One metric's change for all reviews (``group=None``) or for one group."""
        if group is None:
            if metric not in self.overall.index:
                raise KeyError(f"no comparison of {metric!r}")
            return self.overall.loc[metric]
        rows = self.by_group[(self.by_group["metric"] == metric) & (self.by_group["slice"] == group)]
        if rows.empty:
            raise KeyError(f"no comparison of {metric!r} for {group!r}")
        return rows.iloc[0]


def mcnemar_p_values(joint: np.ndarray, labels: tuple[str, ...] = SENTIMENT_LABELS) -> dict[str, np.ndarray]:
    """Exact McNemar p-values per slice for accuracy and each class's recall.

    ``joint`` has shape (slices, K, K, K): counts of (true label, baseline says, new says).
    """
    k = len(labels)
    right = np.eye(k, dtype=bool)
    # fixed[g, t]: true label t, baseline wrong, new right; broken[g, t]: the other way round.
    fixed = np.einsum("gtab,ta,tb->gt", joint, ~right, right)
    broken = np.einsum("gtab,ta,tb->gt", joint, right, ~right)

    from scipy.stats import binom

    def exact(f: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.minimum(1.0, 2 * binom.cdf(np.minimum(f, b), f + b, 0.5))

    values = {"accuracy": exact(fixed.sum(axis=1), broken.sum(axis=1))}
    for i, label in enumerate(labels):
        values[f"recall:{label}"] = exact(fixed[:, i], broken[:, i])
    return values


def _tables(
    groups: tuple[str, ...],
    base: dict,
    new: dict,
    base_boot: dict,
    new_boot: dict,
    n: np.ndarray,
    metrics: tuple[str, ...],
    exact_p: Mapping[str, np.ndarray] = MappingProxyType({}),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(overall, by group) change tables from point values and replicates of stacked slices, all reviews first."""
    positions = np.arange(len(groups) + 1)
    blocks = []
    for metric in metrics:
        delta = new[metric] - base[metric]
        samples = new_boot[metric] - base_boot[metric]
        low, high = percentile_interval(samples)
        defined = np.isfinite(delta)
        low, high = np.where(defined, low, np.nan), np.where(defined, high, np.nan)
        blocks.append(
            pd.DataFrame(
                {
                    "slice": positions,
                    "metric": metric,
                    "baseline": base[metric],
                    "new": new[metric],
                    "delta": delta,
                    "low": low,
                    "high": high,
                    "n": n,
                    "p_value": np.where(defined, exact_p[metric] if metric in exact_p else wald_p_values(delta, samples), np.nan),
                }
            )
        )
    table = pd.concat(blocks, ignore_index=True)
    # The first slice is all reviews: Holm over its measures; every per-category change is one family for BH.
    overall = (table["slice"] == 0).to_numpy()
    adjusted = np.empty(len(table))
    adjusted[overall] = holm(table.loc[overall, "p_value"].to_numpy())
    adjusted[~overall] = benjamini_hochberg(table.loc[~overall, "p_value"].to_numpy())
    table["p_adjusted"] = adjusted
    table["verdict"] = [verdict(lo, hi, p) for lo, hi, p in zip(table["low"], table["high"], adjusted, strict=True)]
    return split_overall(table, groups)


def paired_comparison(
    y_true: pd.Series,
    baseline_pred: pd.Series,
    new_pred: pd.Series,
    *,
    groups: pd.Series | None = None,
    labels: tuple[str, ...] = SENTIMENT_LABELS,
    metrics: tuple[str, ...] = COMPARED_METRICS,
    n_boot: int = DEFAULT_BOOTSTRAP_SAMPLES,
    random_state: int = 0,
) -> Comparison:
    """Changes between two runs' predictions on the same reviews (aligned row by row)."""
    y_true, baseline_pred, new_pred = (pd.Series(s).reset_index(drop=True) for s in (y_true, baseline_pred, new_pred))
    t, a = checked_label_codes(y_true, baseline_pred, labels)
    _, b = checked_label_codes(y_true, new_pred, labels)
    k = len(labels)
    known = (t >= 0) & (a >= 0) & (b >= 0)
    fixed = int((known & (a != t) & (b == t)).sum())
    broken = int((known & (a == t) & (b != t)).sum())
    group_names: list[str] = []
    codes = np.zeros(len(t), dtype=np.int64)  # 0: all reviews, then 1 + each group's code
    if groups is not None:
        group_names, group_codes = group_codes_of(pd.Series(groups).reset_index(drop=True))
        codes = np.concatenate([codes, group_codes + 1])
        t, a, b, known = (np.concatenate([x, x]) for x in (t, a, b, known))
    g = 1 + len(group_names)
    # Rows with a missing label (code -1) are counted nowhere.
    cells = np.where(known, ((codes * k + t) * k + a) * k + b, 0)
    joint = np.bincount(cells, weights=known, minlength=g * k**3).astype(np.int64).reshape(g, k**3)
    n = joint.sum(axis=1)
    rng = np.random.default_rng(random_state)
    pvals = np.where(n[:, None] > 0, joint / np.maximum(n[:, None], 1), 1.0 / k**3)
    boot = rng.multinomial(n, pvals, size=(n_boot, g)).reshape(n_boot, g, k, k, k)
    joint = joint.reshape(g, k, k, k)
    base = point_metrics(joint.sum(axis=3), labels)
    new = point_metrics(joint.sum(axis=2), labels)
    base_boot = point_metrics(boot.sum(axis=4), labels)
    new_boot = point_metrics(boot.sum(axis=3), labels)
    overall, by_group = _tables(tuple(group_names), base, new, base_boot, new_boot, n, metrics, mcnemar_p_values(joint, labels))
    from scipy.stats import binomtest

    p_value = binomtest(fixed, fixed + broken, 0.5).pvalue if fixed + broken else 1.0
    return Comparison(paired=True, overall=overall, by_group=by_group, mcnemar_p=float(p_value), fixed=fixed, broken=broken)


def unpaired_comparison(
    baseline_cms: Confusions,
    new_cms: Confusions,
    *,
    labels: tuple[str, ...] = SENTIMENT_LABELS,
    metrics: tuple[str, ...] = COMPARED_METRICS,
    n_boot: int = DEFAULT_BOOTSTRAP_SAMPLES,
    random_state: int = 0,
) -> Comparison:
    """Changes between two runs evaluated on different reviews: all reviews, and the groups both runs have."""
    groups = tuple(name for name in baseline_cms.groups if name in new_cms.groups)
    base_cms, new_cms_ = baseline_cms.only(groups).stacked(), new_cms.only(groups).stacked()
    base, new = point_metrics(base_cms, labels), point_metrics(new_cms_, labels)
    base_boot = point_metrics(bootstrap_confusions(base_cms, n_boot, random_state), labels)
    new_boot = point_metrics(bootstrap_confusions(new_cms_, n_boot, random_state + 1), labels)
    n = np.minimum(base_cms.sum(axis=(1, 2)), new_cms_.sum(axis=(1, 2)))
    overall, by_group = _tables(groups, base, new, base_boot, new_boot, n, metrics)
    return Comparison(paired=False, overall=overall, by_group=by_group, mcnemar_p=None, fixed=0, broken=0)


def run_confusions(frame: pd.DataFrame, column: str | None = None) -> Confusions:
    """Confusion matrices of one run's labelled predictions: all reviews and, with ``column``, per category."""
    # A run on unlabelled reviews has no true-label column: nothing can be counted, every figure is "cannot tell".
    truth = frame[contract.TRUE_LABEL] if contract.TRUE_LABEL in frame else pd.Series(None, index=frame.index, dtype=object)
    labelled = frame[truth.notna()]
    truth, said = truth[truth.notna()], labelled[contract.PREDICTED_LABEL]
    groups = labelled[column] if column is not None and column in labelled else None
    return confusion_counts(truth, said, groups=groups)


def aligned_predictions(baseline: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame | None:
    """Both runs' predictions side by side on the review id (in the baseline's order), or None when the reviews differ."""
    keys = [contract.REVIEW_ID, contract.TEXT, contract.TRUE_LABEL]
    if any(c not in frame for frame in (baseline, new) for c in keys):
        return None
    if len(baseline) != len(new) or baseline[contract.REVIEW_ID].duplicated().any():
        return None
    extra = [c for c in (contract.CATEGORY,) if c in baseline]
    before = baseline[keys + extra + [contract.PREDICTED_LABEL]].reset_index(drop=True)
    after = new[[contract.REVIEW_ID, contract.TRUE_LABEL, contract.PREDICTED_LABEL]].reset_index(drop=True)
    # Runs of one file list its reviews in the same order: no join needed (a join of 1M ids took 1 s).
    if not before[contract.REVIEW_ID].equals(after[contract.REVIEW_ID]):
        position = (
            pd.Index(after[contract.REVIEW_ID]).get_indexer(before[contract.REVIEW_ID]) if after[contract.REVIEW_ID].is_unique else None
        )
        if position is None or (position < 0).any():
            return None
        after = after.iloc[position].reset_index(drop=True)
    if not before[contract.TRUE_LABEL].equals(after[contract.TRUE_LABEL]):
        return None
    return before.rename(columns={contract.PREDICTED_LABEL: "baseline_said"}).assign(new_says=after[contract.PREDICTED_LABEL])


def review_changes(aligned: pd.DataFrame) -> pd.DataFrame:
    """Reviews fixed or newly broken by the new run (column ``change``), from aligned predictions."""
    # Only reviews with a true label and both predictions count, as in paired_comparison;
    # a missing value (pd.NA in string columns) would otherwise make the comparison NA.
    known = aligned[[contract.TRUE_LABEL, "baseline_said", "new_says"]].notna().all(axis=1).to_numpy()
    right_before = known & (aligned["baseline_said"] == aligned[contract.TRUE_LABEL]).fillna(False).to_numpy(dtype=bool)
    right_now = known & (aligned["new_says"] == aligned[contract.TRUE_LABEL]).fillna(False).to_numpy(dtype=bool)
    change = np.select([~right_before & right_now, right_before & ~right_now], ["fixed", "newly broken"], default="")
    return aligned.assign(change=change)[change != ""].reset_index(drop=True)
