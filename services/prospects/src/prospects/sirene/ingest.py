"""``read_establishments``: a StockEtablissement file as a stream of COPY-ready batches.

Memory stays flat whatever the file size: Arrow reads a few MB at a time, and we hold one
batch of converted columns (Arrow arrays; Python tuples and JSON documents are made from
them on demand) plus the commune table.

Nothing is written anywhere: the caller copies each batch inside one transaction and
rolls it back if a ``SireneFileError`` comes, so a bad file leaves nothing half-done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pyarrow as pa

from .batch import EstablishmentBatch, SireneStats
from .columns import detect_layout
from .communes import CommuneTable, load_communes
from .reader import ArrowCsvBatches, InvalidRow, read_header
from .rows import to_columns
from .unite_legale import UniteLegaleJoin

DEFAULT_BATCH_SIZE = 50_000


def _rebatch(batches: ArrowCsvBatches, size: int) -> Iterator[tuple[pa.RecordBatch, list]]:
    """Arrow's batches (one per block) regrouped to about ``size`` rows."""
    pending: list[pa.RecordBatch] = []
    invalid: list[InvalidRow] = []
    rows = 0
    for batch, bad in batches:
        invalid.extend(bad)
        while batch.num_rows:
            room = size - rows
            pending.append(batch.slice(0, room))
            rows += min(room, batch.num_rows)
            batch = batch.slice(room)
            if rows >= size:
                yield pa.Table.from_batches(pending).combine_chunks().to_batches()[0], invalid
                pending, invalid, rows = [], [], 0
    if pending or invalid:
        table = pa.Table.from_batches(pending, schema=batches.schema)
        merged = table.combine_chunks().to_batches()
        yield (
            merged[0] if merged else pa.RecordBatch.from_pylist([], schema=batches.schema),
            invalid,
        )


def _line_numbers(first_line: int, invalid: list[InvalidRow]) -> Callable[[int], int]:
    """Line of the i-th row Arrow kept in a batch, stepping over the rows it skipped."""
    skipped = sorted(bad.line for bad in invalid if bad.line is not None)

    def line_of(index: int) -> int:
        line = first_line + index
        for bad in skipped:
            if bad <= line:
                line += 1
        return line

    return line_of


def read_establishments(
    path: Path,
    *,
    include_closed: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    unite_legale: Path | None = None,
    communes: CommuneTable | None = None,
    use_threads: bool = False,
) -> Iterator[EstablishmentBatch]:
    """Stream a StockEtablissement CSV (plain, .zip or .gz) as batches of COPY rows.

    Active establishments only, unless ``include_closed`` (their rows have
    ``active=False``). ``unite_legale``: a StockUniteLegale file, merge-joined on SIREN
    (both sorted as INSEE publishes them) for name, category, ESS and société à mission.
    ``use_threads``: let Arrow parse on every core (faster alone, slower next to a busy
    PostgreSQL on a small machine). Raises ``SireneFileError`` for a file that cannot be
    read whole.
    """
    if batch_size < 1:
        raise ValueError("batch_size doit être positif")
    path = Path(path)
    communes = communes if communes is not None else load_communes()
    header, delimiter = read_header(path)
    layout = detect_layout(header)
    line = 1  # the header
    with ExitStack() as stack:
        batches = stack.enter_context(
            ArrowCsvBatches(
                path, layout.source_columns, delimiter=delimiter, use_threads=use_threads
            )
        )
        join = stack.enter_context(UniteLegaleJoin(unite_legale)) if unite_legale else None
        for raw, invalid in _rebatch(batches, batch_size):
            first_line = line + 1
            stats = SireneStats(read=raw.num_rows + len(invalid))
            for bad in invalid:
                stats.reject(
                    bad.line or first_line, f"{bad.fields} champs au lieu de {layout.width}"
                )
            columns = to_columns(
                raw,
                layout,
                line_of=_line_numbers(first_line, invalid),
                include_closed=include_closed,
                communes=communes,
                stats=stats,
                join=join,
            )
            stats.kept = len(columns["siret"]) if columns else 0
            line += stats.read
            yield EstablishmentBatch(
                columns=columns, stats=stats, first_line=first_line, last_line=line
            )
