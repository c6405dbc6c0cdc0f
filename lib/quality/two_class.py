"""A file labelled only negative/positive scored by a model that can also answer neutral.

Such a model is never right on a review it calls neutral (no review of the file is truly
neutral), so its accuracy over all reviews mixes two things: how often it hedges, and how
often it picks the right side when it does not. Both are shown, each with its count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.quality.metrics import Estimate, wilson_interval

NEUTRAL = "neutral"


@dataclass(frozen=True)
class TwoClassSummary:
    """Accuracy of a three-class model on reviews that are truly only negative or positive."""

    reviews: int
    called_neutral: int
    accuracy_all: Estimate  # over every labelled review; a neutral answer counts as wrong
    accuracy_not_neutral: Estimate  # over the reviews the model did not call neutral


def _accuracy(right: np.ndarray) -> Estimate:
    n = int(right.size)
    low, high = wilson_interval(np.array(right.sum()), np.array(n))
    return Estimate(float(right.mean()) if n else float("nan"), float(low), float(high), n)


def two_class_summary(y_true: pd.Series, y_pred: pd.Series, *, neutral: str = NEUTRAL) -> TwoClassSummary | None:
    """The summary when the labelled reviews hold no truly ``neutral`` one; None otherwise (or when none is labelled)."""
    truth = pd.Series(y_true).reset_index(drop=True)
    said = pd.Series(y_pred).reset_index(drop=True)
    labelled = truth.notna() & said.notna()
    truth, said = truth[labelled].astype(str), said[labelled].astype(str)
    if truth.empty or (truth == neutral).any():
        return None
    right = (truth == said).to_numpy()
    decided = (said != neutral).to_numpy()
    return TwoClassSummary(
        reviews=int(right.size),
        called_neutral=int((~decided).sum()),
        accuracy_all=_accuracy(right),
        accuracy_not_neutral=_accuracy(right[decided]),
    )
