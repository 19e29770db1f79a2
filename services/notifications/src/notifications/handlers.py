"""What notifications does on each event: keep contacts and leads, and decide, per
contact, whether a lead is an immediate alert (a delivery row, sent by the sender loop),
waits for a digest, or is nothing. Sending happens elsewhere, so that a slow or absent
SMTP server never holds the queue."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common.events import Envelope
from chantiers_common.events.matching import Lead
from chantiers_common.events.structures import Contact
from chantiers_common.outbox import current_trace_headers

from .db import contacts, deliveries, digest_pending, leads
from .idempotency import alert_key
from .policy import Action, LeadEvent
from .policy import decide as decide_for
from .preferences import ContactPrefs
from .schedule import paris_date

PARIS = ZoneInfo("Europe/Paris")


def now() -> datetime:
    return datetime.now(UTC)


async def on_contact(session: AsyncSession, env: Envelope[Any]) -> None:
    contact: Contact = env.data.contact
    unsubscribed_at = contact.unsubscribed_at
    if env.type == "contact.unsubscribed" and unsubscribed_at is None:
        unsubscribed_at = env.occurred_at
    data = contact.model_copy(update={"unsubscribed_at": unsubscribed_at})
    current = (await session.execute(
        select(contacts.c.data, contacts.c.bounced_email, contacts.c.unsubscribed_at)
        .where(contacts.c.id == contact.id).with_for_update())).first()
    bounced = current.bounced_email if current else None
    if bounced and bounced != contact.email:
        bounced = None  # a new address is tried again
    if current and current.unsubscribed_at and not unsubscribed_at:
        # An unsubscribe is never undone by a late or replayed subscription event.
        unsubscribed_at = current.unsubscribed_at
        data = data.model_copy(update={"unsubscribed_at": unsubscribed_at})
    values = {
        "siret": contact.structure_siret,
        "data": data.model_dump(mode="json"),
        "unsubscribed_at": unsubscribed_at,
        "bounced_email": bounced,
        "updated_at": now(),
    }
    await session.execute(insert(contacts).values(id=contact.id, **values)
                          .on_conflict_do_update(index_elements=["id"], set_=values))
    if unsubscribed_at:
        await session.execute(delete(digest_pending)
                              .where(digest_pending.c.contact_id == contact.id))


async def _store_lead(session: AsyncSession, lead: Lead, status: str) -> bool:
    """Keep the newest version only (events may arrive out of order with replicas)."""
    values = {"siret": lead.structure_siret, "version": lead.version, "status": status,
              "data": lead.model_dump(mode="json"), "updated_at": now()}
    result = await session.execute(
        insert(leads).values(id=lead.id, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values,
                               where=leads.c.version < lead.version)
        .returning(leads.c.id)
    )
    return result.first() is not None


async def on_lead(session: AsyncSession, env: Envelope[Any]) -> None:
    event = LeadEvent.from_contract(env.data)
    lead = event.lead
    withdrawn = env.type == "lead.withdrawn"
    if not await _store_lead(session, lead, "withdrawn" if withdrawn else "active"):
        return  # an older version than what we know: nothing to decide
    if withdrawn:
        await session.execute(delete(digest_pending).where(digest_pending.c.lead_id == lead.id))
        return
    moment = now()
    rows = (await session.execute(
        select(contacts.c.id, contacts.c.data, contacts.c.bounced_email)
        .where(contacts.c.siret == lead.structure_siret))).all()
    for row in rows:
        contact = Contact.model_validate(row.data)
        if row.bounced_email and row.bounced_email == contact.email:
            continue
        prefs = ContactPrefs.from_contact(contact)
        key = alert_key(contact.id, lead.id)
        decision = decide_for(
            event, prefs,
            sent_today=await _alerts_today(session, contact.id, moment),
            already_alerted=await _exists(session, key),
            now=moment,
        )
        if decision.action is Action.ALERT:
            await session.execute(
                insert(deliveries).values(
                    key=key, kind="alert", contact_id=contact.id, siret=lead.structure_siret,
                    lead_ids=[lead.id], trace=current_trace_headers(),
                ).on_conflict_do_nothing(index_elements=["key"])
            )
            await session.execute(delete(digest_pending).where(
                digest_pending.c.contact_id == contact.id, digest_pending.c.lead_id == lead.id))
        elif decision.action is Action.DIGEST:
            await session.execute(
                insert(digest_pending).values(contact_id=contact.id, lead_id=lead.id)
                .on_conflict_do_nothing()
            )
        else:
            await session.execute(delete(digest_pending).where(
                digest_pending.c.contact_id == contact.id, digest_pending.c.lead_id == lead.id))


async def _exists(session: AsyncSession, key: str) -> bool:
    return (await session.execute(select(deliveries.c.key).where(deliveries.c.key == key))
            ).first() is not None


async def _alerts_today(session: AsyncSession, contact_id: str, moment: datetime) -> int:
    # The Paris day, as the daily cap is a person's day, not UTC's.
    start = datetime.combine(paris_date(moment), time(0), tzinfo=PARIS)
    return await session.scalar(
        select(func.count()).select_from(deliveries).where(
            deliveries.c.contact_id == contact_id, deliveries.c.kind == "alert",
            deliveries.c.created_at >= start)) or 0


HANDLERS = {
    "contact.subscribed": on_contact,
    "contact.unsubscribed": on_contact,
    "lead.scored": on_lead,
    "lead.updated": on_lead,
    "lead.withdrawn": on_lead,
}

BINDINGS = ("structures.contact.*", "matching.lead.*")
