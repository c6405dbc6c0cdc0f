"""Texts as Arrow string arrays: one contiguous array, and its bytes seen from NumPy without copying."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def contiguous(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``values`` as one array (the chunks of a chunked array combined)."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def bytes_and_offsets(strings: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """The strings' UTF-8 bytes one after the other (a view, no copy) and where each starts in them (from 0, plus the end).

    Respects a sliced array's own offset: string ``i`` is ``bytes[offsets[i]:offsets[i + 1]]``.
    """
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64, count=len(strings) + 1, offset=strings.offset * 8)
    data = strings.buffers()[2]
    text = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]] if data is not None else np.zeros(0, np.uint8)
    return text, offsets - offsets[0]
