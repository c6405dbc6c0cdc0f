"""Quality metrics of a sentiment classifier, overall and per slice, with 95% intervals.

Everything is computed from confusion matrices, stacked as an array of shape
``(slices, K, K)`` (rows = true label, columns = predicted label, in the order of
``labels``), so the overall figures, every category and every bootstrap replicate go
through the same vectorised code.

Naming contract of the long metric table (column ``metric``):

* ``accuracy`` – share of reviews labelled correctly.
* ``macro_f1`` – unweighted mean of the per-class F1 over the classes that occur in the
  slice (as true or predicted label); ``weighted_f1`` – mean weighted by true counts.
* ``precision:<label>``, ``recall:<label>``, ``f1:<label>``, ``support:<label>``.

A per-class number whose denominator is zero in a slice (say recall of *neutral* in a
slice with no neutral review) is NaN – "cannot be measured here" – never a silent 0.

Intervals (95% by default):

* accuracy, precision and recall are proportions: Wilson score interval, which keeps
  its coverage near the nominal level for small n and for values close to 0 or 1.
* F1 figures are not proportions: percentile bootstrap over reviews, drawn as a
  multinomial resample of the confusion-matrix cells (equivalent to resampling reviews
  with replacement, and independent of the number of reviews), with an explicit seed so
  the same data always gives the same interval.

Column ``n`` says how many reviews each number rests on: all reviews of the slice for
accuracy and the F1 averages, the truly-<label> reviews for recall and support, the
reviews predicted <label> for precision, and the reviews either truly or predicted
<label> for its F1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.errors import UserFacingError
from lib.quality.intervals import DEFAULT_CONFIDENCE, percentile_interval, wilson_interval

SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
# How the figures of all reviews are titled on screen; a display text only, never a key (a category may bear it too).
OVERALL = "All reviews"
NO_CATEGORY = "(none)"
# Below this many reviews a slice is flagged "too few to judge" rather than ranked.
MIN_REVIEWS_TO_JUDGE = 30
DEFAULT_BOOTSTRAP_SAMPLES = 1000


@dataclass(frozen=True)
class Estimate:
    """One number with its interval and the count of reviews it rests on."""

    value: float
    low: float
    high: float
    n: int

    @property
    def is_defined(self) -> bool:
        """False when the slice holds nothing this number could be measured on."""
        return bool(np.isfinite(self.value))


def checked_label_codes(y_true: pd.Series, y_pred: pd.Series, labels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Codes of both label columns (see ``label_codes``), after checking they hold only ``labels``."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} rows but y_pred has {len(y_pred)}")
    codes = []
    for column, values in (("true label", y_true), ("predicted label", y_pred)):
        values = pd.Series(values).reset_index(drop=True)
        column_codes = label_codes(values, labels)
        # Code -1 is a missing value or an unknown one; telling them apart is only needed when there are any.
        outside = column_codes < 0
        if outside.any():
            unknown = sorted(set(pd.unique(values[outside & values.notna().to_numpy()])), key=repr)
            if unknown:
                shown = ", ".join(repr(v) for v in unknown[:5])
                raise UserFacingError(
                    f"The {column} column holds values that are not sentiments: {shown}.",
                    f"Expected only {', '.join(labels)}.",
                )
        codes.append(column_codes)
    return codes[0], codes[1]


def label_codes(values: pd.Series, labels: tuple[str, ...]) -> np.ndarray:
    """Position of each value in ``labels`` (-1 for missing values and values outside ``labels``)."""
    # Factorising first hashes each distinct value once: several times faster than
    # pd.Categorical(values, categories=labels) on a million strings.
    codes, uniques = pd.factorize(values)
    lookup = np.append(pd.Index(list(labels), dtype=object).get_indexer(uniques), -1)
    return lookup[codes].astype(np.int64)


@dataclass(frozen=True)
class Confusions:
    """Confusion matrices (rows = true label) of all reviews and of each group, kept apart."""

    overall: np.ndarray  # (K, K)
    groups: tuple[str, ...] = ()
    by_group: np.ndarray | None = None  # (G, K, K) in the order of ``groups``; None without groups

    def stacked(self) -> np.ndarray:
        """All reviews first, then every group: shape (1 + G, K, K), for vectorised metrics."""
        extra = [] if self.by_group is None else [self.by_group]
        return np.concatenate([self.overall[None], *extra])

    def only(self, groups: Sequence[str]) -> Confusions:
        """The same figures with only the named groups (in that order); all reviews unchanged."""
        picked = None if self.by_group is None else self.by_group[[self.groups.index(name) for name in groups]]
        return Confusions(self.overall, tuple(groups), picked)


def confusion_counts(
    y_true: pd.Series,
    y_pred: pd.Series,
    *,
    labels: tuple[str, ...] = SENTIMENT_LABELS,
    groups: pd.Series | None = None,
) -> Confusions:
    """Confusion matrices of all reviews and, when ``groups`` is given, of each group.

    Rows without a true or predicted label are left out.
    """
    k = len(labels)
    true_codes, pred_codes = checked_label_codes(y_true, y_pred, labels)
    known = (true_codes >= 0) & (pred_codes >= 0)
    if groups is None:
        names: list[str] = []
        group_codes = np.zeros(len(true_codes), dtype=np.int64)
    else:
        names, group_codes = group_codes_of(pd.Series(groups).reset_index(drop=True))
    flat = (group_codes * k + true_codes) * k + pred_codes
    counts = np.bincount(flat[known], minlength=max(len(names), 1) * k * k).reshape(-1, k, k)
    if groups is None:
        return Confusions(counts[0])
    # Every row falls in exactly one group (missing values form "(none)"), so all reviews are the sum of the groups.
    return Confusions(counts.sum(axis=0), tuple(names), counts)


def group_codes_of(groups: pd.Series) -> tuple[list[str], np.ndarray]:
    """Group names and one code per row; missing or blank values form the group "(none)"."""
    categorical = pd.Categorical(groups)
    raw_names = [str(c).strip() or NO_CATEGORY for c in categorical.categories] + [NO_CATEGORY]
    name_codes, names = pd.factorize(pd.Series(raw_names))
    codes = name_codes[categorical.codes]  # code -1 (missing) picks the trailing "(none)"
    used = np.unique(codes)
    remap = np.full(len(names), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return [str(names[i]) for i in used], remap[codes]


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


def class_counts(cms: np.ndarray) -> dict[str, np.ndarray]:
    """True positives, true totals (support) and predicted totals per class, shape (..., K)."""
    tp = np.diagonal(cms, axis1=-2, axis2=-1)
    return {"tp": tp, "support": cms.sum(axis=-1), "predicted": cms.sum(axis=-2)}


def f1_scores(cms: np.ndarray) -> dict[str, np.ndarray]:
    """Per-class, macro and weighted F1 for confusion matrices of shape (..., K, K)."""
    c = class_counts(cms)
    per_class = _divide(2 * c["tp"], c["support"] + c["predicted"])
    occurs = np.isfinite(per_class)
    n_occurring = occurs.sum(axis=-1)
    macro = _divide(np.where(occurs, per_class, 0).sum(axis=-1), n_occurring)
    total = c["support"].sum(axis=-1)
    weighted = _divide((np.nan_to_num(per_class) * c["support"]).sum(axis=-1), total)
    return {"per_class": per_class, "macro": macro, "weighted": weighted}


def bootstrap_confusions(cms: np.ndarray, n_boot: int, random_state: int) -> np.ndarray:
    """Resampled confusion matrices, shape (n_boot, G, K, K), by multinomial draws of cells."""
    g, k, _ = cms.shape
    flat = cms.reshape(g, k * k)
    n = flat.sum(axis=1)
    pvals = _divide(flat, n[:, None].repeat(k * k, axis=1))
    pvals = np.nan_to_num(pvals)
    rng = np.random.default_rng(random_state)
    draws = rng.multinomial(n, np.where(n[:, None] > 0, pvals, 1.0 / (k * k)), size=(n_boot, g))
    draws[:, n == 0, :] = 0
    return draws.reshape(n_boot, g, k, k)


def split_overall(table: pd.DataFrame, groups: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A long table of stacked slices (column ``slice`` = position, 0 = all reviews) as (overall by metric, by group).

    The overall rows are indexed by metric; the group rows carry the group's name in ``slice``.
    """
    first = (table["slice"] == 0).to_numpy()
    overall = table[first].drop(columns="slice").set_index("metric")
    names = np.asarray(["", *groups], dtype=object)
    by_group = table[~first].reset_index(drop=True)
    by_group["slice"] = names[by_group["slice"].to_numpy(dtype=np.int64)]
    return overall, by_group


def metric_table(
    cms: np.ndarray,
    *,
    labels: tuple[str, ...] = SENTIMENT_LABELS,
    n_boot: int = DEFAULT_BOOTSTRAP_SAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    random_state: int = 0,
) -> pd.DataFrame:
    """Long table (slice = position in ``cms``, metric, value, low, high, n) for stacked confusion matrices."""
    names = np.arange(len(cms))
    c = class_counts(cms)
    total = c["support"].sum(axis=-1)
    correct = c["tp"].sum(axis=-1)
    f1 = f1_scores(cms)
    boot_f1 = f1_scores(bootstrap_confusions(cms, n_boot, random_state)) if n_boot else None

    blocks: list[pd.DataFrame] = []

    def add(metric: str, value: np.ndarray, low: np.ndarray, high: np.ndarray, n: np.ndarray) -> None:
        blocks.append(pd.DataFrame({"slice": names, "metric": metric, "value": value, "low": low, "high": high, "n": n}))

    acc_low, acc_high = wilson_interval(correct, total, confidence)
    add("accuracy", _divide(correct, total), acc_low, acc_high, total)
    for key, metric in (("macro", "macro_f1"), ("weighted", "weighted_f1")):
        low, high = percentile_interval(boot_f1[key], confidence) if boot_f1 else (np.nan, np.nan)
        value = f1[key]
        add(metric, value, np.where(np.isfinite(value), low, np.nan), np.where(np.isfinite(value), high, np.nan), total)
    for i, label in enumerate(labels):
        tp, support, predicted = c["tp"][:, i], c["support"][:, i], c["predicted"][:, i]
        add(f"precision:{label}", _divide(tp, predicted), *wilson_interval(tp, predicted, confidence), predicted)
        add(f"recall:{label}", _divide(tp, support), *wilson_interval(tp, support, confidence), support)
        value = f1["per_class"][:, i]
        low, high = percentile_interval(boot_f1["per_class"][..., i], confidence) if boot_f1 else (np.nan, np.nan)
        add(
            f"f1:{label}",
            value,
            np.where(np.isfinite(value), low, np.nan),
            np.where(np.isfinite(value), high, np.nan),
            support + predicted - tp,
        )
        add(f"support:{label}", support.astype(float), support, support, support)
    table = pd.concat(blocks, ignore_index=True)
    table["n"] = table["n"].astype(np.int64)
    return table


@dataclass(frozen=True)
class QualityReport:
    """Metrics of one set of predictions for all reviews and for each group, as in Fairlearn's MetricFrame.

    ``overall`` (indexed by metric) and ``by_group`` (one row per group and metric, the group's
    name in ``slice``) are separate, so a category that happens to be called like the
    overall title keeps its own figures. ``difference`` and ``ratio`` compare the groups.
    """

    labels: tuple[str, ...]
    confusions: Confusions
    overall: pd.DataFrame  # index metric; columns value, low, high, n
    by_group: pd.DataFrame  # columns slice, metric, value, low, high, n

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups' names (categories), in their order."""
        return self.confusions.groups

    @property
    def overall_confusion(self) -> np.ndarray:
        """Confusion matrix of all reviews, rows = true label."""
        return self.confusions.overall

    @property
    def n(self) -> int:
        """Reviews with both a true and a predicted label."""
        return int(self.confusions.overall.sum())

    def estimate(self, metric: str, group: str | None = None) -> Estimate:
        """One metric of all reviews (``group=None``) or of one group."""
        if group is None:
            if metric not in self.overall.index:
                raise KeyError(f"no metric {metric!r}")
            r = self.overall.loc[metric]
        else:
            rows = self.by_group[(self.by_group["slice"] == group) & (self.by_group["metric"] == metric)]
            if rows.empty:
                raise KeyError(f"no metric {metric!r} for group {group!r}")
            r = rows.iloc[0]
        return Estimate(float(r["value"]), float(r["low"]), float(r["high"]), int(r["n"]))

    def by_metric(self, metric: str) -> pd.DataFrame:
        """One row per group for one metric: slice, value, low, high, n."""
        rows = self.by_group[self.by_group["metric"] == metric]
        return rows.drop(columns="metric").reset_index(drop=True)

    def _judged(self, metric: str, min_n: int) -> pd.Series:
        rows = self.by_metric(metric)
        rows = rows[(rows["n"] >= min_n) & np.isfinite(rows["value"])]
        return rows.set_index("slice")["value"]

    def difference(self, metric: str, min_n: int = MIN_REVIEWS_TO_JUDGE) -> float:
        """Best minus worst slice value, over slices with at least ``min_n`` reviews (NaN if < 2)."""
        values = self._judged(metric, min_n)
        return float(values.max() - values.min()) if len(values) >= 2 else float("nan")

    def ratio(self, metric: str, min_n: int = MIN_REVIEWS_TO_JUDGE) -> float:
        """Worst divided by best slice value, over slices with at least ``min_n`` reviews."""
        values = self._judged(metric, min_n)
        if len(values) < 2 or values.max() <= 0:
            return float("nan")
        return float(values.min() / values.max())


def quality_report(
    y_true: pd.Series,
    y_pred: pd.Series,
    *,
    labels: tuple[str, ...] = SENTIMENT_LABELS,
    groups: pd.Series | None = None,
    n_boot: int = DEFAULT_BOOTSTRAP_SAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    random_state: int = 0,
) -> QualityReport:
    """All metrics with intervals for all reviews and, when ``groups`` is given, per group."""
    y_true = pd.Series(y_true).reset_index(drop=True)
    y_pred = pd.Series(y_pred).reset_index(drop=True)
    confusions = confusion_counts(y_true, y_pred, labels=labels, groups=groups)
    cms = confusions.stacked()
    table = metric_table(cms, labels=labels, n_boot=n_boot, confidence=confidence, random_state=random_state)
    overall, by_group = split_overall(table, confusions.groups)
    return QualityReport(labels=tuple(labels), confusions=confusions, overall=overall, by_group=by_group)
