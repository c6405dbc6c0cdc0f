"""lib/quality/distinct.py and the upload's repeated-row check agree with pandas' slower originals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.quality.distinct import distinct_codes
from lib.scoring.uploads import _repeated_rows

VALUES = [
    pd.Series(["b", None, "a", "b", None, "c"], dtype="string"),
    pd.Series(["x", "y", "x"], dtype="string"),
    pd.Index(["great", "bad", "great"]),
    pd.Series([], dtype="string"),
    pd.Series([None, None], dtype="string"),
]


@pytest.mark.parametrize("values", VALUES)
def test_distinct_codes_rebuild_the_values_like_factorize(values) -> None:
    codes, distinct = distinct_codes(values)
    expected_codes, expected = pd.factorize(values, use_na_sentinel=False)
    rebuilt = [distinct[c] for c in codes]
    assert [None if pd.isna(v) else v for v in rebuilt] == [None if pd.isna(v) else v for v in values]
    assert len(distinct) == len(expected)
    # the same grouping of the rows: codes map one to one onto factorize's codes
    pairs = set(zip(codes.tolist(), expected_codes.tolist(), strict=True))
    assert len(pairs) == len(set(codes.tolist())) == len(set(expected_codes.tolist()))


def test_repeated_rows_match_dataframe_duplicated_blanks_included() -> None:
    rng = np.random.default_rng(3)
    n = 5_000
    frame = pd.DataFrame(
        {
            "text": pd.array(rng.choice(["good", "bad", "fine", None, "ok"], n), dtype="string"),
            "true_label": pd.array(rng.choice(["negative", "positive", None], n), dtype="string"),
            "category": pd.array(rng.choice([f"c{i}" for i in range(60)] + [None], n), dtype="string"),
        }
    )
    assert _repeated_rows(frame).tolist() == frame.duplicated().tolist()
    assert _repeated_rows(frame[["text"]]).tolist() == frame[["text"]].duplicated().tolist()
