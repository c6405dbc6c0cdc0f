"""Reviews whose given label is probably wrong, found by confident learning (cleanlab).

Confident learning compares each review's given label with the model's out-of-sample
probabilities and per-class confidence thresholds; reviews it flags are ranked so the
likeliest label errors come first. The demo's probabilities are out-of-sample (the
models never saw the test split), which is what the method needs.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from lib.quality.metrics import SENTIMENT_LABELS, label_codes
from lib.stores import contract

# cleanlab's find_label_issues keeps each search's data in module globals (with n_jobs=1 too):
# two searches at once from the server's threads would read each other's probabilities, and
# either fail or flag the wrong reviews. One search at a time per process; each is cached per run.
_CLEANLAB_GLOBALS = threading.Lock()


def likely_label_errors(predictions: pd.DataFrame, labels: tuple[str, ...] = SENTIMENT_LABELS) -> pd.DataFrame | None:
    """Reviews flagged as probable label errors, most likely first; None without probabilities."""
    proba_columns = [contract.proba_column(label) for label in labels]
    if contract.TRUE_LABEL not in predictions or any(c not in predictions for c in proba_columns):
        return None
    labelled = predictions[predictions[contract.TRUE_LABEL].isin(labels)].reset_index(drop=True)
    given = label_codes(labelled[contract.TRUE_LABEL], labels)
    present = np.unique(given)
    if len(labelled) < 10 or len(present) < 2:
        return labelled.iloc[0:0].assign(label_quality=pd.Series(dtype=float))
    proba = labelled[proba_columns].to_numpy(dtype=float)
    proba = proba / proba.sum(axis=1, keepdims=True)
    # n_jobs=1: cleanlab otherwise forks a multiprocessing.Pool from the server (lib/scoring/parallel.py).
    from cleanlab.filter import find_label_issues  # imported here: it pulls in scikit-learn, seconds the app's start does not need

    with _CLEANLAB_GLOBALS:
        ranked = find_label_issues(given, proba, return_indices_ranked_by="self_confidence", n_jobs=1)
    quality = proba[np.arange(len(given)), given]
    flagged = labelled.iloc[ranked].assign(label_quality=quality[ranked])
    return flagged.reset_index(drop=True)
