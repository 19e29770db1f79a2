"""Vectorised string helpers on Arrow arrays."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_NULL = pa.scalar(None, pa.string())


def join_present(parts: list[pa.Array], separator: str) -> pa.Array:
    """The non-null, non-empty parts joined by ``separator``; null when there are none.

    Written with prefixes rather than ``binary_join_element_wise(null_handling="skip")``,
    which returns an array of the wrong length in pyarrow 26.0.1 (rows are lost).
    """
    sep = pa.scalar(separator)
    pieces = [pc.fill_null(pc.binary_join_element_wise(sep, part, ""), "") for part in parts]
    pieces = [pc.if_else(pc.equal(piece, separator), "", piece) for piece in pieces]
    joined = pc.utf8_slice_codeunits(pc.binary_join_element_wise(*pieces, ""), len(separator))
    return pc.if_else(pc.equal(joined, ""), _NULL, joined)


def empty_to_null(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), _NULL, values)


def utf8_bytes(values: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of a string array's values, as numpy sees them (no copy). In UTF-8
    a byte below 0x80 only ever stands for itself: byte tests find characters."""
    if values.null_count == len(values) or values.buffers()[2] is None:
        return np.empty(0, dtype=np.uint8)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[
        values.offset : values.offset + len(values) + 1
    ]
    return np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
