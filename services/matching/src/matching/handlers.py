"""What matching does on each event it consumes (one DB transaction per event, with the
inbox claim already taken by the consumer)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events import Envelope
from chantiers_common.events.common_types import LeadKind
from chantiers_common.events.matching import Lead, LeadScored, LeadUpdated, LeadWithdrawn
from chantiers_common.events.prospects import Tender
from chantiers_common.events.structures import Activity, Structure

from . import tender_match
from .db import activities, leads, structures, tenders
from .leads import changed, next_version

LEAD_EVENTS = Counter("chantiers_lead_events_total", "Lead events written", ["kind", "event"])
PUBLISH_TO_LEAD = Histogram(
    "chantiers_publish_to_lead_seconds",
    "From a tender event's creation in prospects to its leads being scored",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def now() -> datetime:
    return datetime.now(UTC)


async def on_structure(session: AsyncSession, env: Envelope[Any]) -> None:
    structure: Structure = env.data.structure
    active = structure.active and env.type != "structure.deactivated"
    values = {"active": active, "data": structure.model_dump(mode="json"), "updated_at": now()}
    await session.execute(
        insert(structures)
        .values(siret=structure.siret, **values)
        .on_conflict_do_update(index_elements=["siret"], set_=values)
    )


async def on_activity(session: AsyncSession, env: Envelope[Any]) -> None:
    activity: Activity = env.data.activity
    values = {
        "siret": activity.structure_siret,
        "sector": activity.sector,
        "removed": env.type == "activity.removed",
        "data": activity.model_dump(mode="json"),
        "updated_at": now(),
    }
    await session.execute(
        insert(activities)
        .values(id=activity.id, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values)
    )


_TENDER_STATUS = {
    "tender.published": "open",
    "tender.updated": "open",
    "tender.cancelled": "cancelled",
    "tender.awarded": "awarded",
}


async def on_tender(session: AsyncSession, env: Envelope[Any]) -> None:
    tender: Tender = env.data.tender
    status = _TENDER_STATUS[env.type]
    values = {
        "status": status,
        "deadline": tender.deadline,
        "data": tender.model_dump(mode="json"),
        "updated_at": now(),
    }
    await session.execute(
        insert(tenders)
        .values(idweb=tender.idweb, **values)
        .on_conflict_do_update(index_elements=["idweb"], set_=values)
    )
    if status != "open":
        reason = "Appel d'offres annulé" if status == "cancelled" else "Marché attribué"
        await withdraw_for_prospect(session, tender.idweb, LeadKind.TENDER, reason)
        return
    candidates = await tender_match.candidates(session, tender, now())
    for lead in candidates:
        await save_lead(session, lead)
    PUBLISH_TO_LEAD.observe(max(0.0, (now() - env.occurred_at).total_seconds()))


async def save_lead(session: AsyncSession, lead: Lead) -> None:
    """Insert or update one lead; publish only when it is new or its score/reasons moved."""
    row = (
        await session.execute(select(leads.c.data).where(leads.c.id == lead.id).with_for_update())
    ).first()
    old = Lead.model_validate(row.data) if row else None
    if old is not None and not changed(old, lead.score, list(lead.components)):
        return
    lead = lead.model_copy(update={"version": next_version(old)})
    values = {
        "structure_siret": lead.structure_siret,
        "kind": lead.kind.value,
        "prospect_ref": lead.prospect_ref,
        "version": lead.version,
        "score": lead.score,
        "status": "active",
        "data": lead.model_dump(mode="json"),
        "updated_at": now(),
    }
    await session.execute(
        insert(leads).values(id=lead.id, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values)
    )
    event = LeadScored(lead=lead) if old is None else LeadUpdated(lead=lead)
    await outbox.add(session, event)
    LEAD_EVENTS.labels(lead.kind.value, event.event_type).inc()


async def withdraw_for_prospect(
    session: AsyncSession, prospect_ref: str, kind: LeadKind, reason: str
) -> int:
    rows = (
        await session.execute(
            select(leads.c.id, leads.c.data)
            .where(leads.c.prospect_ref == prospect_ref, leads.c.kind == kind.value,
                   leads.c.status == "active")
            .with_for_update()
        )
    ).all()
    for row in rows:
        lead = Lead.model_validate(row.data)
        lead = lead.model_copy(update={"version": lead.version + 1})
        await session.execute(
            update(leads).where(leads.c.id == row.id).values(
                status="withdrawn", version=lead.version, data=lead.model_dump(mode="json"),
                updated_at=now(),
            )
        )
        await outbox.add(session, LeadWithdrawn(lead=lead, reason=reason))
        LEAD_EVENTS.labels(lead.kind.value, "lead.withdrawn").inc()
    return len(rows)


HANDLERS = {
    "structure.registered": on_structure,
    "structure.updated": on_structure,
    "structure.deactivated": on_structure,
    "activity.added": on_activity,
    "activity.changed": on_activity,
    "activity.removed": on_activity,
    "tender.published": on_tender,
    "tender.updated": on_tender,
    "tender.cancelled": on_tender,
    "tender.awarded": on_tender,
}

BINDINGS = (
    "structures.structure.*",
    "structures.activity.*",
    "prospects.tender.*",
)

