"""What would the metrics be if the labels annotators corrected were right?"""

from __future__ import annotations

import pandas as pd

from lib.stores import contract


def apply_corrections(predictions: pd.DataFrame, keys: pd.Series, consensus: pd.Series) -> tuple[pd.DataFrame, int]:
    """Predictions with true labels replaced by the annotators' agreed corrections, and how many changed.

    ``keys`` holds each row's review key (aligned with ``predictions``); ``consensus`` maps
    review key -> corrected label.
    """
    corrected = keys.map(consensus)
    changes = corrected.notna() & (corrected != predictions[contract.TRUE_LABEL])
    frame = predictions.copy()
    frame.loc[changes.to_numpy(), contract.TRUE_LABEL] = corrected[changes].to_numpy()
    return frame, int(changes.sum())
