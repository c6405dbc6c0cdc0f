"""Where two models' answers differ on the same reviews, when nobody knows the true sentiment.

Without true labels nothing says which model is right; what can be counted exactly is how
often, and how, they disagree. (Which one is more often right is then an *estimate*, from
each model's calibrated confidence: see the quality estimates of unlabelled runs.)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.stores import contract


@dataclass(frozen=True)
class PredictionDifferences:
    """How often two models give a review different sentiments, and which pairs of answers."""

    reviews: int  # reviews both models answered
    differ: int
    pairs: pd.DataFrame  # first_says, second_says, reviews: the differing pairs, most frequent first


def prediction_differences(first: pd.DataFrame, second: pd.DataFrame) -> PredictionDifferences:
    """Both runs' predicted labels matched on the review id (the runs scored the same reviews)."""
    merged = first[[contract.REVIEW_ID, contract.PREDICTED_LABEL]].merge(
        second[[contract.REVIEW_ID, contract.PREDICTED_LABEL]], on=contract.REVIEW_ID, suffixes=("_first", "_second"), validate="1:1"
    )
    said = merged[[f"{contract.PREDICTED_LABEL}_first", f"{contract.PREDICTED_LABEL}_second"]].dropna()
    said.columns = ["first_says", "second_says"]
    different = said[said["first_says"] != said["second_says"]]
    pairs = different.value_counts().rename("reviews").reset_index()
    return PredictionDifferences(reviews=len(said), differ=len(different), pairs=pairs)
