"""Annotation exports: CSV safe to open in a spreadsheet, and Parquet for analysis.

Both carry, per row, the experiment it belongs to (``experiment_id``; an export holds one
experiment's rows only), who annotated (``annotator``, and ``annotator_name`` when a display
name was given), when (``created_at``, UTC), and against which run and model (``run_id``,
``model_uri``). The CSV goes through :func:`lib.outputs.downloads.safe_csv`:
text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe so spreadsheets never evaluate it. The Parquet file keeps
the exact text: no spreadsheet evaluates Parquet cells, and analysts need the data unaltered.
"""

from __future__ import annotations

import io

import pandas as pd

from lib.outputs.downloads import safe_csv

__all__ = ["EXPORT_COLUMNS", "annotations_csv", "annotations_parquet"]

# Who, when, on which run and model first; then what was said; then where it came from.
EXPORT_COLUMNS: tuple[str, ...] = (
    "experiment_id",
    "dataset",
    "review_id",
    "review_key",
    "run_id",
    "model_uri",
    "annotator",
    "annotator_name",
    "created_at",
    "verdict",
    "corrected_label",
    "note",
    "tags",
    "review_version",
    "previous_verdict",
    "previous_corrected_label",
    "previous_note",
    "event_id",
)
_REQUIRED = ("run_id", "model_uri", "annotator", "created_at")


def _export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [name for name in _REQUIRED if name not in frame.columns]
    if missing:
        raise ValueError(f"an annotations export needs the columns {missing} (pass AnnotationStore.history_frame() or .current())")
    ordered = [name for name in EXPORT_COLUMNS if name in frame.columns]
    return frame[ordered + [name for name in frame.columns if name not in ordered]].reset_index(drop=True)


def annotations_csv(frame: pd.DataFrame) -> bytes:
    """Annotations as formula-safe UTF-8 CSV (with a byte-order mark, so Excel shows emoji and accents)."""
    return safe_csv(_export_frame(frame))  # times print as e.g. 2025-11-25 17:15:57.657432+00:00


def annotations_parquet(frame: pd.DataFrame) -> bytes:
    """Annotations as a Parquet file (exact values, typed columns, times in UTC)."""
    buffer = io.BytesIO()
    _export_frame(frame).to_parquet(buffer, index=False)
    return buffer.getvalue()
