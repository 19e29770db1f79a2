"""Importing the SIAE registry file: idempotent, and published through the outbox.

A record whose content did not change changes nothing and publishes nothing; a new one is
registered with its suggested activities; a changed one is updated and published once.
Each structure gets its own span, so that its events start their own trace.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from opentelemetry import trace
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events.common_types import AlertMode
from chantiers_common.events.structures import (
    Activity,
    ActivityAdded,
    ActivityChanged,
    ActivityRemoved,
    Contact,
    ContactSubscribed,
    StructureRegistered,
    StructureUpdated,
)
from chantiers_common.iters import batched

from .db import activities, contacts, structures
from .siae_file import SiaeRecord, fingerprint

tracer = trace.get_tracer("structures.import")
_CONTACTS = uuid.UUID("0b0f7c7e-5a51-4d52-8f0e-8a3c1d2b7e64")


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


def contact_id(siret: str, email: str) -> str:
    return str(uuid.uuid5(_CONTACTS, f"{siret}|{email.lower()}"))


def demo_contact(record: SiaeRecord, now: datetime) -> Contact | None:
    """A contact from the file's address (fake in the sample file): an immediate alert from
    50/100, the rest (from 30/100) in the daily digest. For demonstrations only."""
    if not record.contact_email:
        return None
    siret = record.structure.siret
    return Contact(
        id=contact_id(siret, record.contact_email), structure_siret=siret,
        email=record.contact_email, name=None, role="contact de démonstration",
        alert_mode=AlertMode.IMMEDIATE, min_score=30, alert_score=50, consent_at=now,
    )


async def import_records(
    session: AsyncSession,
    records: Iterable[SiaeRecord],
    *,
    demo_contacts: bool = False,
    on_progress: Callable[[int], None] = lambda n: None,
    report: ImportReport | None = None,
) -> ImportReport:
    report = report or ImportReport()
    for chunk in batched(records, 500):
        report.read += len(chunk)
        sirets = [r.structure.siret for r in chunk]
        known = dict((await session.execute(
            select(structures.c.siret, structures.c.fingerprint)
            .where(structures.c.siret.in_(sirets)))).all())
        for record in chunk:
            digest = fingerprint(record.structure)
            if known.get(record.structure.siret) == digest:
                report.unchanged += 1
                continue
            with tracer.start_as_current_span(
                f"import structure {record.structure.siret}",
                attributes={"structure.siret": record.structure.siret},
            ):
                await _save(session, record, digest, record.structure.siret in known,
                            demo_contacts, report)
        on_progress(len(chunk))
    return report


async def _save(session: AsyncSession, record: SiaeRecord, digest: str, exists: bool,
                demo_contacts: bool, report: ImportReport) -> None:
    s = record.structure
    now = datetime.now(UTC)
    values = {
        "siren": s.siren, "kind": s.kind, "name": s.name, "brand": s.brand,
        "department": s.department,
        "lat": s.location.lat if s.location else None,
        "lon": s.location.lon if s.location else None,
        "active": s.active, "data": s.model_dump(mode="json"),
        "description": record.description, "fingerprint": digest, "source_pk": record.pk,
        "updated_at": now,
    }
    await session.execute(insert(structures).values(siret=s.siret, **values)
                          .on_conflict_do_update(index_elements=["siret"], set_=values))
    await outbox.add(session, StructureUpdated(structure=s) if exists
                     else StructureRegistered(structure=s))
    report.events += 1
    if exists:
        report.updated += 1
    else:
        report.new += 1
    await _sync_suggestions(session, record, report)
    if demo_contacts and not exists:
        contact = demo_contact(record, now)
        if contact is not None:
            inserted = await session.execute(
                insert(contacts).values(id=contact.id, siret=s.siret, email=contact.email,
                                        data=contact.model_dump(mode="json"))
                .on_conflict_do_nothing().returning(contacts.c.id))
            if inserted.first() is not None:
                await outbox.add(session, ContactSubscribed(contact=contact))
                report.contacts += 1
                report.events += 1


async def _sync_suggestions(session: AsyncSession, record: SiaeRecord,
                            report: ImportReport) -> None:
    """Suggested activities follow the record; confirmed or rejected ones belong to staff
    (only their copy of the structure's place is refreshed)."""
    s = record.structure
    current = {row.id: row for row in (await session.execute(
        select(activities.c.id, activities.c.status, activities.c.data)
        .where(activities.c.siret == s.siret))).all()}
    wanted = {a.id: a for a in record.suggested_activities()}
    for activity_id, activity in wanted.items():
        row = current.get(activity_id)
        if row is not None and row.status != "suggested":
            continue
        triggers = list(next(sug.triggers for sug in record.suggestions
                             if sug.sector == activity.sector))
        await _upsert_activity(session, activity, "suggested", triggers)
        if row is None:
            await outbox.add(session, ActivityAdded(activity=activity))
            report.activities += 1
        elif Activity.model_validate(row.data) != activity:
            await outbox.add(session, ActivityChanged(activity=activity))
        else:
            continue
        report.events += 1
    for activity_id, row in current.items():
        if activity_id in wanted and row.status == "suggested":
            continue
        activity = Activity.model_validate(row.data)
        if row.status == "suggested":
            await session.execute(delete(activities).where(activities.c.id == activity_id))
            await outbox.add(session, ActivityRemoved(activity=activity))
            report.events += 1
        elif row.status == "confirmed":
            moved = activity.model_copy(update={
                "structure_location": s.location, "structure_department": s.department,
                "structure_kind": s.kind})
            if moved != activity:
                await _upsert_activity(session, moved, row.status, None)
                await outbox.add(session, ActivityChanged(activity=moved))
                report.events += 1


async def _upsert_activity(session: AsyncSession, activity: Activity, status: str,
                           triggers: list[str] | None) -> None:
    values: dict[str, object] = {
        "siret": activity.structure_siret, "sector": activity.sector, "status": status,
        "confidence": activity.confidence, "data": activity.model_dump(mode="json"),
        "updated_at": datetime.now(UTC),
    }
    if triggers is not None:
        values["triggers"] = triggers
    await session.execute(insert(activities).values(id=activity.id, **values)
                          .on_conflict_do_update(index_elements=["id"], set_=values))
