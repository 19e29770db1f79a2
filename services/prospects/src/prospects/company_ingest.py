"""Loading establishments: COPY, a set-based upsert, events through the outbox.

Two ways out, chosen by the size of the file:

* a *delta* (fewer rows than ``delta_threshold``, 50,000 by default: a day of SIRENE
  changes is a few thousand) publishes one ``company.registered|updated|closed`` per new
  or changed establishment, each in its own trace;
* a *bulk* load (a full stock: millions of rows) publishes ``companies.bulk_loaded``
  events of ``event_size`` companies each, made of the rows' JSON documents (see
  ``company_bulk``) and copied into the outbox.

Each batch is copied into a staging table and upserted in one statement that compares
fingerprints (``company_sql``): an establishment whose content did not change is not
written and publishes nothing. The first load of a full stock takes a shorter way: into
an empty table, while the file comes in SIRET order (as INSEE sorts it) no row can
already be there, so batches are copied straight into ``companies``; and the secondary
indexes are dropped and built again at the end (PostgreSQL builds an index from sorted
data several times faster than it maintains one row by row). Readers of ``companies``
wait for that first load to commit (the API answers 503 after a few seconds).

The caller gives one transaction for the whole file: a ``SireneFileError`` halfway
leaves nothing behind, neither rows nor events. While PostgreSQL takes one batch, the
next is read, converted and fingerprinted in a thread (``company_pipeline``).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator

import asyncpg
from opentelemetry import trace
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events.prospects import Company

from .company_bulk import OUTBOX_COLUMNS, bulk_events, new_batch_prefix
from .company_events import delta_event
from .company_pipeline import Prepared, Reader, pipelined, prefetched
from .company_sql import (
    CLEAR_STAGING,
    LOAD_LOCK,
    SESSION_SETTINGS,
    STAGING,
    STAGING_COLUMNS,
    UPSERT,
)
from .db import quarantine
from .defaults import DEFAULT_DELTA_THRESHOLD, DEFAULT_EVENT_SIZE
from .ingest_report import IngestReport
from .sirene import EstablishmentBatch

tracer = trace.get_tracer("prospects.ingest")

MAX_EXAMPLES = 20


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session (same transaction), for COPY."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection  # type: ignore[return-value]


def _count_batch(report: IngestReport, ready: Prepared) -> None:
    stats = ready.stats
    report.read += stats.read
    report.quarantined += stats.bad_rows
    report.reasons.update(stats.bad)
    report.valid += stats.read - stats.bad_rows
    if skipped := stats.read - stats.bad_rows - stats.kept:
        report.notes["closed establishments skipped (no --all)"] += skipped
    if ready.duplicates:
        report.notes["duplicate SIRET in a batch (last kept)"] += ready.duplicates
    for source, count in stats.location.items():
        report.notes[f"location from {source}"] += count
    for warning, count in stats.warnings.items():
        report.notes[warning] += count


def _count_changes(report: IngestReport, ready: Prepared, changed: list[asyncpg.Record]) -> None:
    new = sum(1 for row in changed if row["inserted"])
    report.new += new
    report.updated += len(changed) - new
    report.unchanged += ready.count - len(changed)


async def _queue_bulk_events(
    conn: asyncpg.Connection, documents: list[bytes], *, source: str, event_size: int,
    batch_id: str,
) -> int:
    events = bulk_events(documents, source=source, batch_id=batch_id, event_size=event_size,
                         headers=outbox.current_trace_headers())
    if events:
        await conn.copy_records_to_table("outbox", records=events, columns=OUTBOX_COLUMNS)
    return len(events)


async def _copy(conn: asyncpg.Connection, table: str, ready: Prepared) -> None:
    # A memoryview: asyncpg sends it as it is. (Given a file object, it reads it by 512 kB
    # in whichever thread of the default pool is free, and every thread's malloc arena
    # kept its chunks: +150 MB over a million rows. Given bytes, it takes them for a path.)
    await conn.copy_to_table(table, source=memoryview(ready.csv), columns=STAGING_COLUMNS,
                             format="csv")


async def _load_direct(
    conn: asyncpg.Connection, ready: Prepared, *, source: str, event_size: int,
    batch_id: str, report: IngestReport,
) -> None:
    """First load, file in order: every row is new, copied straight into the table."""
    with tracer.start_as_current_span(
        f"ingest companies {batch_id}",
        attributes={"companies.source": source, "companies.rows": ready.count},
    ):
        await _copy(conn, "companies", ready)
        report.events += await _queue_bulk_events(
            conn, ready.documents, source=source, event_size=event_size, batch_id=batch_id)
    report.new += ready.count


async def _upsert(conn: asyncpg.Connection, ready: Prepared) -> list[asyncpg.Record]:
    await conn.execute(CLEAR_STAGING)
    await _copy(conn, STAGING, ready)
    return await conn.fetch(UPSERT)


async def _load_bulk(
    conn: asyncpg.Connection, ready: Prepared, *, source: str, event_size: int,
    batch_id: str, report: IngestReport,
) -> None:
    with tracer.start_as_current_span(
        f"ingest companies {batch_id}",
        attributes={"companies.source": source, "companies.rows": ready.count},
    ) as span:
        changed = await _upsert(conn, ready)
        span.set_attribute("companies.changed", len(changed))
        documents = [ready.documents[ready.position[row["siret"]]] for row in changed]
        report.events += await _queue_bulk_events(
            conn, documents, source=source, event_size=event_size, batch_id=batch_id)
    _count_changes(report, ready, changed)


async def _load_delta(
    session: AsyncSession, conn: asyncpg.Connection, ready: Prepared, *, source: str,
    report: IngestReport,
) -> None:
    changed = await _upsert(conn, ready)
    payloads, headers = [], []
    for row in changed:
        company = Company.model_validate_json(ready.documents[ready.position[row["siret"]]])
        event = delta_event(
            inserted=row["inserted"], active=row["active"], was_active=row["was_active"]
        )
        # One trace per company, as for tenders: its span is the parent downstream.
        with tracer.start_as_current_span(
            f"ingest company {company.siret}",
            attributes={"company.siret": company.siret, "event.type": event.event_type},
        ):
            headers.append(outbox.current_trace_headers())
        payloads.append(event(company=company))
    _count_changes(report, ready, changed)
    report.events += await outbox.add_many(session, payloads, headers=headers)


async def _quarantine_examples(
    session: AsyncSession, source: str, examples: list[tuple[int, str]]
) -> None:
    """SIRENE rows are not kept whole (a full stock may have thousands of bad ones, and
    the file is line-addressable): the first examples are stored with their line."""
    for line, reason in examples:
        digest = hashlib.sha256(f"sirene\0{source}\0{line}\0{reason}".encode()).hexdigest()
        await session.execute(
            insert(quarantine).values(
                kind="sirene", source=source, ref=None, reason=reason,
                raw={"file": source, "line": line}, raw_hash=digest,
            ).on_conflict_do_nothing(index_elements=["raw_hash"])
        )


async def _secondary_indexes(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of ``companies`` other than its primary key."""
    rows = await conn.fetch(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = 'companies'
          AND i.indexname NOT IN (
              SELECT conname FROM pg_constraint WHERE conrelid = 'companies'::regclass)
        """
    )
    return [(row["indexname"], row["indexdef"]) for row in rows]


async def ingest_establishments(
    session: AsyncSession,
    batches: Iterator[EstablishmentBatch],
    *,
    source: str,
    delta_threshold: int = DEFAULT_DELTA_THRESHOLD,
    event_size: int = DEFAULT_EVENT_SIZE,
    on_progress: Callable[[int], None] = lambda n: None,
) -> IngestReport:
    """Load every batch into ``companies`` in the session's transaction; queue events.

    ``batches`` come from ``read_establishments``.
    """
    if event_size < 1:
        raise ValueError("event_size doit être positif")
    # Through SQLAlchemy first: that opens the session's transaction on the connection,
    # which the raw COPY and upserts below then share. One companies load at a time:
    # they share the staging table, and each batch compares then writes, which two
    # loads of the same establishments at once would race on.
    await session.execute(text(LOAD_LOCK))
    conn = await driver_connection(session)
    for setting in SESSION_SETTINGS:
        await conn.execute(setting)
    report = IngestReport()
    reader = Reader(batches, source)
    try:
        return await _ingest(session, conn, reader, report, source=source,
                             delta_threshold=delta_threshold, event_size=event_size,
                             on_progress=on_progress)
    finally:
        reader.close()


async def _ingest(
    session: AsyncSession, conn: asyncpg.Connection, reader: Reader, report: IngestReport,
    *, source: str, delta_threshold: int, event_size: int,
    on_progress: Callable[[int], None],
) -> IngestReport:
    head, ended = await prefetched(reader, delta_threshold)
    bulk = not ended
    report.mode = "bulk" if bulk else "delta"
    rebuild: list[tuple[str, str]] = []
    first_load = bulk and not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM companies)")
    if first_load:
        rebuild = await _secondary_indexes(conn)
        for name, _definition in rebuild:
            await conn.execute(f'DROP INDEX "{name}"')
    direct, last_loaded = first_load, ""
    load_id = new_batch_prefix()
    examples: list[tuple[int, str]] = []
    number = 0
    # aclosing: on a failure, the thread reading ahead finishes before the file closes.
    async with contextlib.aclosing(pipelined(head, reader, ended)) as pipeline:
        async for ready in pipeline:
            number += 1
            _count_batch(report, ready)
            room = MAX_EXAMPLES - len(examples)
            examples.extend(ready.stats.bad_examples[: max(0, room)])
            if ready.count:
                batch_id = f"{load_id}-{number}"
                # Once out of order, rows may repeat earlier ones: compare from then on.
                direct = direct and ready.ordered and ready.first > last_loaded
                if direct:
                    await _load_direct(conn, ready, source=source, event_size=event_size,
                                       batch_id=batch_id, report=report)
                    last_loaded = ready.last
                elif bulk:
                    await _load_bulk(conn, ready, source=source, event_size=event_size,
                                     batch_id=batch_id, report=report)
                else:
                    await _load_delta(session, conn, ready, source=source, report=report)
            on_progress(ready.stats.read)
    if rebuild:
        await conn.execute("SET LOCAL maintenance_work_mem = '128MB'")
        for _name, definition in rebuild:
            await conn.execute(definition)
        # Statistics now, not at autovacuum's leisure: the API's plans depend on them.
        await conn.execute("ANALYZE companies")
        report.notes["indexes built after the load (first load)"] = len(rebuild)
    report.examples = [f"ligne {line} : {reason}" for line, reason in examples]
    await _quarantine_examples(session, source, examples)
    return report
