"""Human ceiling: how often a single person agrees with the crowd label.

When a review carries the individual ratings of several people (the demo data does: 15–99
ratings on −4..+4 per text), each rater is compared with the label the *other* raters
give on average (leave-one-out: the rater is left out of the mean they are compared with,
or they would partly agree with themselves). A review's agreement is the share of its
raters who agree; the ceiling of a slice is the mean over its reviews, so it is directly
comparable with the model's accuracy on the same reviews. Its 95% interval is the normal
interval of that mean (reviews are independent; raters within a review are not).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri  # the normal quantile, without importing scipy.stats

from lib.quality.metrics import OVERALL, Estimate, group_codes_of

# The same thresholds that turn mean ratings into labels (see scripts/prepare_demo_data.py).
NEGATIVE_AT_MOST = -0.5
POSITIVE_AT_LEAST = 0.5


def sentiment_codes(ratings: np.ndarray) -> np.ndarray:
    """0 / 1 / 2 (negative / neutral / positive) for ratings or mean ratings on −4..+4."""
    return np.where(ratings <= NEGATIVE_AT_MOST, 0, np.where(ratings >= POSITIVE_AT_LEAST, 2, 1))


def review_agreement(ratings: pd.Series) -> np.ndarray:
    """Per review, the share of its raters whose label matches the others' mean (NaN if < 2 raters)."""
    # Anything but a list of numbers (None, NaN, a text such as "[1, 2]") counts as no ratings.
    lengths = np.fromiter((len(r) if isinstance(r, list | tuple | np.ndarray) else 0 for r in ratings), dtype=np.int64, count=len(ratings))
    rated = [np.asarray(r, dtype=float) for r, n in zip(ratings, lengths, strict=True) if n]
    flat = np.concatenate(rated) if rated else np.array([])
    owner = np.repeat(np.arange(len(ratings)), lengths)
    totals = np.bincount(owner, weights=flat, minlength=len(ratings))
    others = np.maximum(lengths[owner] - 1, 1)
    leave_one_out_mean = (totals[owner] - flat) / others
    agrees = (sentiment_codes(flat) == sentiment_codes(leave_one_out_mean)).astype(float)
    agreeing = np.bincount(owner, weights=agrees, minlength=len(ratings))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(lengths >= 2, agreeing / np.maximum(lengths, 1), np.nan)


@dataclass(frozen=True)
class HumanCeiling:
    """Single-rater agreement with the crowd, overall and per slice."""

    table: pd.DataFrame  # slice, value, low, high, n

    def estimate(self, slice_name: str = OVERALL) -> Estimate | None:
        """The ceiling of one slice, or None when it has no rated reviews."""
        row = self.table[self.table["slice"] == slice_name]
        if row.empty:
            return None
        r = row.iloc[0]
        return Estimate(float(r["value"]), float(r["low"]), float(r["high"]), int(r["n"]))


def human_ceiling(ratings: pd.Series, groups: pd.Series | None = None, confidence: float = 0.95) -> HumanCeiling | None:
    """Single-rater agreement with the leave-one-out crowd label; None when no review has ratings."""
    agreement = review_agreement(ratings.reset_index(drop=True))
    rated = np.isfinite(agreement)
    if not rated.any():
        return None
    names, codes = [OVERALL], np.zeros(len(agreement), dtype=np.int64)
    frames = [(names, codes)]
    if groups is not None:
        frames.append(group_codes_of(groups.reset_index(drop=True)))
    z = ndtri(0.5 + confidence / 2)
    rows = []
    for slice_names, slice_codes in frames:
        g = len(slice_names)
        n = np.bincount(slice_codes[rated], minlength=g)
        total = np.bincount(slice_codes[rated], weights=agreement[rated], minlength=g)
        squares = np.bincount(slice_codes[rated], weights=agreement[rated] ** 2, minlength=g)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / n
            variance = np.maximum(squares / n - mean**2, 0) * n / np.maximum(n - 1, 1)
            half = z * np.sqrt(variance / n)
        rows.append(pd.DataFrame({"slice": slice_names, "value": mean, "low": mean - half, "high": mean + half, "n": n}))
    table = pd.concat(rows, ignore_index=True)
    table = table[table["n"] > 0].reset_index(drop=True)
    table[["low", "high"]] = table[["low", "high"]].clip(0, 1)
    return HumanCeiling(table)
