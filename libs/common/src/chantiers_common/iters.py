"""``itertools.batched`` arrived in Python 3.12; the project supports 3.11."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")

if sys.version_info >= (3, 12):
    from itertools import batched
else:

    def batched(iterable: Iterable[T], n: int) -> Iterator[tuple[T, ...]]:
        iterator = iter(iterable)
        while chunk := tuple(islice(iterator, n)):
            yield chunk

__all__ = ["batched"]
