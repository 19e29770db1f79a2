"""Importing the SIAE registry file: idempotent, and published through the outbox.

A record whose content did not change changes nothing and publishes nothing; a new one is
registered with its suggested activities; a changed one is updated and published once
(what each record changes is decided in :mod:`.import_plan`).

Set-based, for speed: per chunk of records, one query loads the stored fingerprints and
structures, one the stored activities of the changed ones, and a few statements write
the whole chunk (structures, activities, contacts, outbox). Each changed structure still
gets its own span, and its events carry that span's trace context, so that each
structure's events start their own trace as if imported alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events import Contract
from chantiers_common.events.structures import Activity, ContactSubscribed, Structure
from chantiers_common.iters import batched

from .db import activities, contacts, structures
from .import_plan import RecordPlan, StoredActivity, plan_record
from .lifecycle import Status
from .siae_file import SiaeRecord, fingerprint
from .store import activity_values, contact_values, structure_values

tracer = trace.get_tracer("structures.import")
CHUNK = 500


@dataclass
class ImportReport:
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    activities: int = 0
    contacts: int = 0
    events: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


@dataclass
class _Chunk:
    """What a chunk writes, gathered before writing it."""

    structure_rows: list[dict[str, Any]] = field(default_factory=list)
    activity_rows: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    contact_rows: list[dict[str, Any]] = field(default_factory=list)
    # (event, trace headers of its structure's span, contact id when it is a contact's)
    events: list[tuple[Contract, dict[str, str], str | None]] = field(default_factory=list)


async def import_records(
    session: AsyncSession,
    records: Iterable[SiaeRecord],
    *,
    demo_contacts: bool = False,
    on_progress: Callable[[int], None] = lambda n: None,
    report: ImportReport | None = None,
) -> ImportReport:
    report = report or ImportReport()
    for chunk in batched(records, CHUNK):
        report.read += len(chunk)
        await _import_chunk(session, chunk, demo_contacts, report)
        on_progress(len(chunk))
    return report


async def _import_chunk(session: AsyncSession, chunk: Sequence[SiaeRecord],
                        demo_contacts: bool, report: ImportReport) -> None:
    stored = {row.siret: row for row in (await session.execute(
        select(structures.c.siret, structures.c.fingerprint, structures.c.data)
        .where(structures.c.siret.in_([r.structure.siret for r in chunk])))).all()}
    changed: list[tuple[SiaeRecord, str]] = []
    for record in chunk:
        digest = fingerprint(record.structure)
        row = stored.get(record.structure.siret)
        if row is not None and row.fingerprint == digest:
            report.unchanged += 1
        else:
            changed.append((record, digest))
    if not changed:
        return
    current = await _stored_activities(
        session, [r.structure.siret for r, _ in changed if r.structure.siret in stored])
    now = datetime.now(UTC)
    work = _Chunk()
    for record, digest in changed:
        siret = record.structure.siret
        row = stored.get(siret)
        with tracer.start_as_current_span(f"import structure {siret}",
                                          attributes={"structure.siret": siret}) as span:
            plan = plan_record(record, Structure.model_validate(row.data) if row else None,
                               current.get(siret, {}), demo_contacts=demo_contacts, now=now)
            span.set_attribute("structure.import", "updated" if row else "new")
            span.set_attribute("structure.events", len(plan.events))
            _gather(work, record, digest, plan, outbox.current_trace_headers(), now)
        report.new += row is None
        report.updated += row is not None
        report.activities += plan.activities_added
    await _write(session, work, report)


async def _stored_activities(session: AsyncSession, sirets: list[str],
                             ) -> dict[str, dict[str, StoredActivity]]:
    found: dict[str, dict[str, StoredActivity]] = defaultdict(dict)
    if not sirets:
        return found
    rows = await session.execute(
        select(activities.c.id, activities.c.siret, activities.c.status, activities.c.data,
               activities.c.triggers).where(activities.c.siret.in_(sirets)))
    for row in rows:
        found[row.siret][row.id] = StoredActivity(
            Activity.model_validate(row.data), Status(row.status), tuple(row.triggers or ()))
    return found


def _gather(work: _Chunk, record: SiaeRecord, digest: str, plan: RecordPlan,
            headers: dict[str, str], now: datetime) -> None:
    work.structure_rows.append({
        "siret": plan.structure.siret, **structure_values(plan.structure),
        "description": record.description, "fingerprint": digest, "source_pk": record.pk,
        "updated_at": now,
    })
    for activity, status, triggers in plan.saves:
        work.activity_rows.append({"id": activity.id, **activity_values(activity, status),
                                   "triggers": list(triggers), "updated_at": now})
    work.deletes += plan.deletes
    if plan.contact is not None:
        work.contact_rows.append({"id": plan.contact.id, **contact_values(plan.contact)})
    work.events += [(event, headers, None) for event in plan.events]
    if plan.contact is not None:
        work.events.append((ContactSubscribed(contact=plan.contact), headers, plan.contact.id))


async def _write(session: AsyncSession, work: _Chunk, report: ImportReport) -> None:
    await session.execute(_upsert(structures, "siret", work.structure_rows),
                          work.structure_rows)
    if work.activity_rows:
        await session.execute(_upsert(activities, "id", work.activity_rows),
                              work.activity_rows)
    if work.deletes:
        await session.execute(delete(activities).where(activities.c.id.in_(work.deletes)))
    inserted: set[str] = set()
    if work.contact_rows:
        # A contact already there (same structure and address) is left as it is.
        result = await session.execute(
            insert(contacts).on_conflict_do_nothing().returning(contacts.c.id),
            work.contact_rows)
        inserted = {row.id for row in result}
        report.contacts += len(inserted)
    events = [(event, headers) for event, headers, contact in work.events
              if contact is None or contact in inserted]
    report.events += await outbox.add_many(session, [event for event, _ in events],
                                           headers=[headers for _, headers in events])


def _upsert(table: Any, key: str, rows: list[dict[str, Any]]) -> Any:
    """INSERT … ON CONFLICT (key) DO UPDATE of every column the rows give."""
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[key],
        set_={name: statement.excluded[name] for name in rows[0] if name != key})
