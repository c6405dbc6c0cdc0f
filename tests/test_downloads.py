"""lib/outputs/downloads.py: predictions as CSV that cannot run as formulas when opened in a spreadsheet."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from lib.outputs.downloads import formula_safe, safe_csv


@pytest.mark.parametrize("dangerous", ["=1+1", '=HYPERLINK("http://evil.example")', "+33 6 12", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"])
def test_cells_that_a_spreadsheet_would_run_get_a_leading_apostrophe(dangerous: str) -> None:
    safe = formula_safe(pd.DataFrame({"text": [dangerous, "fine"]}))
    assert list(safe["text"]) == ["'" + dangerous, "fine"]


def test_harmless_cells_numbers_and_missing_values_are_untouched() -> None:
    frame = pd.DataFrame({"text": ["a = b", "well-made", "x@y.z", None], "proba": [-0.5, 0.1, 1.0, np.nan], "n": [1, -2, 3, 4]}).astype(
        {"text": "string"}
    )
    safe = formula_safe(frame)
    assert safe["text"].tolist()[:3] == ["a = b", "well-made", "x@y.z"] and pd.isna(safe["text"].iloc[3])
    pd.testing.assert_series_equal(safe["proba"], frame["proba"])
    pd.testing.assert_series_equal(safe["n"], frame["n"])
    assert frame["text"].iloc[0] == "a = b"  # the input is not modified


def test_csv_starts_with_a_bom_quotes_line_breaks_and_reads_back_safely() -> None:
    frame = pd.DataFrame({"=cmd": ["=1+1", "two\nlines", "a\rb", "café"], "predicted_label": ["positive"] * 4})
    data = safe_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["'=cmd", "predicted_label"]
    assert [row[0] for row in rows[1:]] == ["'=1+1", "two\nlines", "a\rb", "café"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
