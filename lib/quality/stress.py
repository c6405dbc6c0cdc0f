"""Stress test: how often realistic changes to reviews break the model's answer, with Wilson 95% intervals.

A seeded sample of a run's reviews, stratified by sentiment (and category), is changed in each
way of ``lib.quality.text_changes``. A change *fails* a review when

* ``invariance``: the answer differs from the answer on the unchanged review (it flipped);
* ``direction``: the answer did not move the expected way: it moved the other way, or stayed
  although it could still move (an answer already at the expected end may stay);
* ``stay_or_stronger``: the answer moved against the expected way.

Answers are compared on the scale negative < neutral < positive. The failure rate of a change
is failed reviews / reviews the change applies to; it is logged as
``robustness.<change>.flip_rate`` (see ``lib/stores/contract.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.quality.metrics import SENTIMENT_LABELS, wilson_interval
from lib.quality.text_changes import DIRECTION, INVARIANCE, STAY_OR_STRONGER, TEXT_CHANGES, TextChange
from lib.stores import contract

DEFAULT_SAMPLE_SIZE = 1_000
DEFAULT_SEED = 0
SENTIMENT = "sentiment"  # the sentiment changes refer to: the true label, else the model's own answer
PAIR_COLUMNS = ("review_id", "change", "kind", "original", "changed", "direction", "before", "after", "failed")


@dataclass(frozen=True)
class StressResult:
    """Failure rates per change (``table``) and every original/changed pair behind them (``pairs``)."""

    table: pd.DataFrame  # change, kind, failed, n, rate, low, high; in the order of TEXT_CHANGES
    pairs: pd.DataFrame  # PAIR_COLUMNS, one row per review and change that applies to it
    reviews: int  # reviews in the sample

    def row(self, change: str) -> pd.Series:
        """The table row of one change."""
        return self.table.set_index("change").loc[change]


def stratified_sample(frame: pd.DataFrame, size: int, seed: int, strata: list[str]) -> pd.DataFrame:
    """``size`` rows (all when fewer) drawn at random, each stratum getting its share (largest remainders), in frame order."""
    if len(frame) <= size:
        return frame
    codes = frame.groupby(strata, dropna=False, sort=True).ngroup().to_numpy() if strata else np.zeros(len(frame), dtype=np.int64)
    counts = np.bincount(codes)
    exact = counts * size / len(frame)
    quota = np.floor(exact).astype(int)
    quota[np.argsort(-(exact - quota), kind="stable")[: size - quota.sum()]] += 1
    order = np.random.default_rng(seed).permutation(len(frame))
    order = order[np.argsort(codes[order], kind="stable")]  # shuffled within each stratum, strata in turn
    rank = np.arange(len(frame)) - np.repeat(np.cumsum(counts) - counts, counts)
    return frame.iloc[np.sort(order[rank < quota[codes[order]]])]


def review_sentiment(frame: pd.DataFrame) -> pd.Series:
    """The sentiment a change refers to: the true label where known, else the model's answer."""
    if contract.TRUE_LABEL in frame:
        return frame[contract.TRUE_LABEL].astype("string").fillna(frame[contract.PREDICTED_LABEL].astype("string"))
    return frame[contract.PREDICTED_LABEL].astype("string")


def stress_sample(predictions: pd.DataFrame, size: int = DEFAULT_SAMPLE_SIZE, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Seeded sample of a run's reviews stratified by sentiment and category: review_id, text, sentiment."""
    frame = predictions.assign(**{SENTIMENT: review_sentiment(predictions)})
    strata = [SENTIMENT] + ([contract.CATEGORY] if contract.CATEGORY in frame else [])
    sample = stratified_sample(frame, size, seed, strata)
    ids = sample[contract.REVIEW_ID].astype(str) if contract.REVIEW_ID in sample else sample.index.astype(str)
    return pd.DataFrame(
        {"review_id": ids.to_numpy(), contract.TEXT: sample[contract.TEXT].astype(str).to_numpy(), SENTIMENT: sample[SENTIMENT]}
    )


def changed_pairs(sample: pd.DataFrame, seed: int = DEFAULT_SEED, changes: tuple[TextChange, ...] = TEXT_CHANGES) -> pd.DataFrame:
    """Every change applied to every review of ``sample`` it applies to: review_id, change, kind, original, changed, direction."""
    rows = []
    sentiments = [None if pd.isna(s) else str(s) for s in sample[SENTIMENT]]
    for index, change in enumerate(changes):
        rng = np.random.default_rng([seed, index])  # one stream per change: adding a change moves no other
        for review_id, text, sentiment in zip(sample["review_id"], sample[contract.TEXT], sentiments, strict=True):
            made = change.make(text, sentiment, rng)
            if made is not None:
                rows.append((review_id, change.key, change.kind, text, made.text, made.direction))
    return pd.DataFrame(rows, columns=list(PAIR_COLUMNS[:6])).astype({"direction": "int64"})


def failed(
    kind: pd.Series, direction: pd.Series, before: pd.Series, after: pd.Series, labels: tuple[str, ...] = SENTIMENT_LABELS
) -> np.ndarray:
    """Whether each change broke the answer, by its kind (see the module docstring); answers are label names."""
    order = {label: i for i, label in enumerate(labels)}
    b = before.map(order).to_numpy(dtype=float)
    a = after.map(order).to_numpy(dtype=float)
    d = direction.to_numpy(dtype=float)
    moved = (a - b) * d
    at_end = np.where(d > 0, b == len(labels) - 1, b == 0)
    kind = kind.to_numpy()
    return np.select(
        [kind == INVARIANCE, kind == DIRECTION, kind == STAY_OR_STRONGER],
        [a != b, (moved < 0) | ((moved == 0) & ~at_end), moved < 0],
        default=False,
    ).astype(bool)


def stress_table(pairs: pd.DataFrame, changes: tuple[TextChange, ...] = TEXT_CHANGES) -> pd.DataFrame:
    """Failures, reviews, failure rate and Wilson 95% interval per change (n = 0 where a change applied to none)."""
    grouped = pairs.groupby("change", sort=False)["failed"].agg(["sum", "size"])
    keys = [change.key for change in changes]
    failures = grouped["sum"].reindex(keys, fill_value=0).to_numpy(dtype=int)
    n = grouped["size"].reindex(keys, fill_value=0).to_numpy(dtype=int)
    low, high = wilson_interval(failures, n)
    rate = np.where(n > 0, failures / np.where(n > 0, n, 1), np.nan)
    return pd.DataFrame(
        {"change": keys, "kind": [c.kind for c in changes], "failed": failures, "n": n, "rate": rate, "low": low, "high": high}
    )


def stress_result(pairs: pd.DataFrame, reviews: int) -> StressResult:
    """The result of scored pairs (``before`` and ``after`` answers filled in)."""
    pairs = pairs.assign(failed=failed(pairs["kind"], pairs["direction"], pairs["before"], pairs["after"]))
    return StressResult(stress_table(pairs), pairs[list(PAIR_COLUMNS)], reviews)


def table_from_metrics(metrics: Mapping[str, float], changes: tuple[TextChange, ...] = TEXT_CHANGES) -> pd.DataFrame | None:
    """The stress table rebuilt from a run's ``robustness.*`` metrics (None when the run has none)."""
    keys = [c for c in changes if contract.robustness_metric(c.key, "flip_rate") in metrics]
    if not keys:
        return None
    n = np.array([int(metrics.get(contract.robustness_metric(c.key, "example_count"), 0)) for c in keys])
    rate = np.array([metrics[contract.robustness_metric(c.key, "flip_rate")] for c in keys], dtype=float)
    failures = np.rint(rate * n).astype(int)
    low, high = wilson_interval(failures, n)
    return pd.DataFrame(
        {
            "change": [c.key for c in keys],
            "kind": [c.kind for c in keys],
            "failed": failures,
            "n": n,
            "rate": rate,
            "low": low,
            "high": high,
        }
    )


def robustness_metrics(table: pd.DataFrame) -> dict[str, float]:
    """``robustness.<change>.flip_rate`` and ``.example_count`` of a stress table (no rate where n is 0)."""
    metrics: dict[str, float] = {}
    for row in table.itertuples():
        metrics[contract.robustness_metric(row.change, "example_count")] = float(row.n)
        if row.n > 0:
            metrics[contract.robustness_metric(row.change, "flip_rate")] = float(row.rate)
    return metrics


def robustness_difference(baseline: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Per change both runs measured: the two failure rates, their difference (new - baseline) and its 95% interval.

    Newcombe's hybrid score interval (Statistics in Medicine 1998, method 10) from the two
    Wilson intervals; the samples are treated as independent, which is cautious when both runs
    were tested on the same reviews. ``verdict`` is "more robust" / "less robust" when the
    interval excludes 0, else "within noise".
    """
    both = baseline.merge(new, on=["change", "kind"], suffixes=("_baseline", "_new"))
    both = both[(both["n_baseline"] > 0) & (both["n_new"] > 0)]
    p1, l1, u1 = both["rate_baseline"], both["low_baseline"], both["high_baseline"]
    p2, l2, u2 = both["rate_new"], both["low_new"], both["high_new"]
    difference = p2 - p1
    low = difference - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = difference + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    verdict = np.select([high < 0, low > 0], ["more robust", "less robust"], default="within noise")
    return pd.DataFrame(
        {
            "change": both["change"],
            "baseline": p1,
            "baseline_n": both["n_baseline"],
            "new": p2,
            "new_n": both["n_new"],
            "difference": difference,
            "low": low,
            "high": high,
            "verdict": verdict,
        }
    ).reset_index(drop=True)
