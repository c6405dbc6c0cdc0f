"""Files the app hands out: tables as CSV that is safe to open in a spreadsheet.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (CSV injection, see OWASP). Such text
cells get a leading apostrophe, which spreadsheets show as text and never evaluate.
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_START = r"^[=+\-@\t\r]"
_FORMULA = re.compile(FORMULA_START)


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and column names cannot run as spreadsheet formulas."""
    safe = frame.rename(columns=lambda c: f"'{c}" if _FORMULA.match(str(c)) else c)
    for column in safe.columns:
        values = safe[column]
        if not (pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values)):
            continue
        text = values.astype("string")
        risky = text.str.match(FORMULA_START).fillna(False).astype(bool)
        if risky.any():
            safe[column] = values.astype(object).where(~risky, "'" + text)
    return safe


def safe_csv(frame: pd.DataFrame) -> bytes:
    """A table as formula-safe UTF-8 CSV with a byte-order mark (so Excel shows emoji and accents): every CSV the app hands out."""
    # CRLF line ends also make the writer quote cells holding a lone CR, which would split a row.
    return formula_safe(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
