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

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri  # the normal quantile; scipy.stats would add seconds to the app's start

from lib.errors import UserFacingError

SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
OVERALL = "All reviews"
NO_CATEGORY = "(none)"
# Below this many reviews a slice is flagged "too few to judge" rather than ranked.
MIN_REVIEWS_TO_JUDGE = 30
DEFAULT_BOOTSTRAP_SAMPLES = 1000
DEFAULT_CONFIDENCE = 0.95


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


def check_labels(y_true: pd.Series, y_pred: pd.Series, labels: tuple[str, ...]) -> None:
    """Raise a UserFacingError when the label columns hold values outside ``labels``."""
    checked_label_codes(y_true, y_pred, labels)


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


def confusion_counts(
    y_true: pd.Series,
    y_pred: pd.Series,
    *,
    labels: tuple[str, ...] = SENTIMENT_LABELS,
    groups: pd.Series | None = None,
) -> tuple[list[str], np.ndarray]:
    """Confusion matrices per group (or one for all) as ``(names, array (G, K, K))``.

    Rows without a true or predicted label are left out.
    """
    k = len(labels)
    true_codes, pred_codes = checked_label_codes(y_true, y_pred, labels)
    known = (true_codes >= 0) & (pred_codes >= 0)
    if groups is None:
        names = [OVERALL]
        group_codes = np.zeros(len(true_codes), dtype=np.int64)
    else:
        names, group_codes = group_codes_of(groups)
    flat = (group_codes * k + true_codes) * k + pred_codes
    counts = np.bincount(flat[known], minlength=len(names) * k * k)
    return names, counts.reshape(len(names), k, k)


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


def wilson_interval(successes: np.ndarray, n: np.ndarray, confidence: float = DEFAULT_CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions; NaN where n is 0."""
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    z = ndtri(0.5 + confidence / 2)
    safe_n = np.where(n > 0, n, 1)
    p = successes / safe_n
    centre = (p + z**2 / (2 * safe_n)) / (1 + z**2 / safe_n)
    half = z * np.sqrt(p * (1 - p) / safe_n + z**2 / (4 * safe_n**2)) / (1 + z**2 / safe_n)
    # The interval always holds p; min/max only undo rounding (10 of 10 gave a top of 0.9999…).
    low = np.where(n > 0, np.clip(np.minimum(centre - half, p), 0, 1), np.nan)
    high = np.where(n > 0, np.clip(np.maximum(centre + half, p), 0, 1), np.nan)
    return low, high


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


def _percentile_interval(samples: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1 - confidence) / 2 * 100
    # All-NaN columns (a class absent from a slice) are expected: they stay NaN.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(samples, [tail, 100 - tail], axis=0)
    return low, high


def metric_table(
    names: list[str],
    cms: np.ndarray,
    *,
    labels: tuple[str, ...] = SENTIMENT_LABELS,
    n_boot: int = DEFAULT_BOOTSTRAP_SAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    random_state: int = 0,
) -> pd.DataFrame:
    """Long table (slice, metric, value, low, high, n) for stacked confusion matrices."""
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
        low, high = _percentile_interval(boot_f1[key], confidence) if boot_f1 else (np.nan, np.nan)
        value = f1[key]
        add(metric, value, np.where(np.isfinite(value), low, np.nan), np.where(np.isfinite(value), high, np.nan), total)
    for i, label in enumerate(labels):
        tp, support, predicted = c["tp"][:, i], c["support"][:, i], c["predicted"][:, i]
        add(f"precision:{label}", _divide(tp, predicted), *wilson_interval(tp, predicted, confidence), predicted)
        add(f"recall:{label}", _divide(tp, support), *wilson_interval(tp, support, confidence), support)
        value = f1["per_class"][:, i]
        low, high = _percentile_interval(boot_f1["per_class"][..., i], confidence) if boot_f1 else (np.nan, np.nan)
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
    """Metrics of one set of predictions, overall and (optionally) per slice.

    In the spirit of Fairlearn's MetricFrame: ``overall`` and ``by_group`` views of one
    long ``table``; ``confusion`` holds the matrices in the same slice order.
    """

    labels: tuple[str, ...]
    slices: tuple[str, ...]
    confusion: np.ndarray
    table: pd.DataFrame

    @property
    def n(self) -> int:
        """Reviews with both a true and a predicted label."""
        return int(self.confusion[0].sum())

    def estimate(self, metric: str, slice_name: str = OVERALL) -> Estimate:
        """One metric of one slice (default: all reviews)."""
        row = self.table[(self.table["slice"] == slice_name) & (self.table["metric"] == metric)]
        if row.empty:
            raise KeyError(f"no metric {metric!r} for slice {slice_name!r}")
        r = row.iloc[0]
        return Estimate(float(r["value"]), float(r["low"]), float(r["high"]), int(r["n"]))

    @property
    def overall(self) -> pd.DataFrame:
        """Metric table of all reviews, indexed by metric name."""
        return self.table[self.table["slice"] == OVERALL].set_index("metric").drop(columns="slice")

    @property
    def by_group(self) -> pd.DataFrame:
        """Metric table of every slice but the overall one."""
        return self.table[self.table["slice"] != OVERALL].reset_index(drop=True)

    def by_metric(self, metric: str) -> pd.DataFrame:
        """One row per slice (overall excluded) for one metric: slice, value, low, high, n."""
        rows = self.table[(self.table["metric"] == metric) & (self.table["slice"] != OVERALL)]
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

    def overall_confusion(self) -> np.ndarray:
        """Confusion matrix of all reviews, rows = true label."""
        return self.confusion[0]


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
    if groups is None:
        names, cms = confusion_counts(y_true, y_pred, labels=labels)
    else:
        # Every row falls in exactly one group (missing values form "(none)"), so the
        # overall matrix is the sum of the groups' and the labels are coded only once.
        group_names, group_cms = confusion_counts(y_true, y_pred, labels=labels, groups=pd.Series(groups).reset_index(drop=True))
        names, cms = [OVERALL, *group_names], np.concatenate([group_cms.sum(axis=0, keepdims=True), group_cms])
    table = metric_table(names, cms, labels=labels, n_boot=n_boot, confidence=confidence, random_state=random_state)
    return QualityReport(labels=tuple(labels), slices=tuple(names), confusion=cms, table=table)
