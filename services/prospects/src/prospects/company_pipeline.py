"""Reading ahead for a companies load: each batch of the file is converted, given its
JSON documents and fingerprints, and written as CSV in a thread of its own, while the
loader copies the previous batch into PostgreSQL (the machine has two cores)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pacsv

from .company_bulk import fingerprint
from .sirene import COPY_COLUMNS, EstablishmentBatch, SireneStats

_CSV = pacsv.WriteOptions(include_header=False)


@dataclass
class Prepared:
    """A batch ready to load: one row per SIRET (the last wins, as a later line corrects
    an earlier one) as CSV in ``STAGING_COLUMNS`` order (fingerprint and source last),
    and each row's document."""

    stats: SireneStats  # of the batch as read (the Arrow columns are let go)
    csv: bytes
    documents: list[bytes]
    position: dict[str, int]  # SIRET → index
    duplicates: int
    ordered: bool  # SIRETs strictly increasing
    first: str = ""
    last: str = ""

    @property
    def count(self) -> int:
        return len(self.documents)


def prepare(batch: EstablishmentBatch, source: str) -> Prepared:
    """Everything about a batch that Python does, done in the reading thread: the
    documents, their fingerprints, and the CSV that PostgreSQL parses (Arrow writes it
    without a Python object per value)."""
    columns = batch.columns
    if not columns:
        return Prepared(batch.stats, b"", [], {}, 0, True)
    documents = batch.documents
    sirets: list[str] = columns["siret"].to_pylist()
    position = {siret: i for i, siret in enumerate(sirets)}
    duplicates = len(sirets) - len(position)
    if duplicates:  # INSEE files have none; a hand-made file may
        keep = sorted(position.values())
        taken = pa.array(keep)
        columns = {name: column.take(taken) for name, column in columns.items()}
        documents = [documents[i] for i in keep]
        sirets = [sirets[i] for i in keep]
        position = {siret: i for i, siret in enumerate(sirets)}
    table = pa.table({
        **{name: columns[name] for name in COPY_COLUMNS},
        "fingerprint": pa.array([fingerprint(d) for d in documents], pa.string()),
        "source": pa.array([source] * len(sirets), pa.string()),
    })
    out = io.BytesIO()
    pacsv.write_csv(table, out, _CSV)
    ordered = all(a < b for a, b in itertools.pairwise(sirets))
    return Prepared(batch.stats, out.getvalue(), documents, position, duplicates, ordered,
                    sirets[0], sirets[-1])


def _next_prepared(batches: Iterator[EstablishmentBatch], source: str) -> Prepared | None:
    batch = next(batches, None)
    return None if batch is None else prepare(batch, source)


class Reader:
    """Reads and prepares batches in one thread of its own, one batch ahead of the loader.

    One thread, always the same: Arrow's allocator keeps memory per thread, and batches
    read by whichever thread of asyncio's pool was free made the process grow by a
    hundred MB per thread.
    """

    def __init__(self, batches: Iterator[EstablishmentBatch], source: str) -> None:
        self._batches = batches
        self._source = source
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sirene-reader")

    def next(self) -> asyncio.Future[Prepared | None]:
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._executor, _next_prepared, self._batches, self._source)

    def close(self) -> None:
        self._executor.shutdown(wait=True)  # a read in progress finishes first


async def prefetched(reader: Reader, threshold: int) -> tuple[list[Prepared], bool]:
    """The first batches, up to ``threshold`` rows read, and whether the file ended."""
    head: list[Prepared] = []
    read = 0
    while read < threshold:
        ready = await reader.next()
        if ready is None:
            return head, True
        head.append(ready)
        read += ready.stats.read
    return head, False


async def pipelined(
    head: list[Prepared], reader: Reader, ended: bool
) -> AsyncIterator[Prepared]:
    """``head``, then the rest of the file, the next batch prepared while one is loaded."""
    pending = None if ended else reader.next()
    try:
        while head:
            yield head.pop(0)  # let each go once loaded (memory)
        while pending is not None:
            ready = await pending
            pending = None
            if ready is None:
                return
            pending = reader.next()
            yield ready
    finally:
        if pending is not None:  # a failure downstream: let the reading finish
            with contextlib.suppress(Exception):
                await pending
