"""A run's quality from its predictions file: reviews with a true label only, overall or per category, with or without corrections."""

from __future__ import annotations

import pandas as pd

from lib.quality.corrections import apply_corrections
from lib.quality.metrics import QualityReport, quality_report
from lib.stores import contract


def labelled_report(frame: pd.DataFrame | None, column: str | None = None) -> QualityReport | None:
    """Metrics over the reviews that have a true label (per value of ``column`` too); None when the file lacks what it needs."""
    if frame is None or contract.TRUE_LABEL not in frame or contract.PREDICTED_LABEL not in frame:
        return None
    if column is not None and column not in frame:
        return None
    labelled = frame[frame[contract.TRUE_LABEL].notna()]
    groups = labelled[column] if column is not None else None
    return quality_report(labelled[contract.TRUE_LABEL], labelled[contract.PREDICTED_LABEL], groups=groups)


def corrected_report(
    frame: pd.DataFrame | None, keys: pd.Series | None, consensus: pd.Series, column: str | None = None
) -> tuple[QualityReport, int] | None:
    """Metrics as if the annotators' agreed labels were right, and how many reviews they change; None when they change none.

    ``keys`` holds each row's review key, ``consensus`` maps review key -> corrected label;
    a ``column`` the file does not have gives the figures of all reviews only.
    """
    if frame is None or keys is None or contract.TRUE_LABEL not in frame or consensus.empty:
        return None
    corrected, changed = apply_corrections(frame, keys, consensus)
    if changed == 0:
        return None
    report = labelled_report(corrected, column if column in corrected else None)
    return None if report is None else (report, changed)
