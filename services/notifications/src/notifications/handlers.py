"""What notifications does on each event: keep contacts and leads, and decide, per
contact, whether a lead is an immediate alert (a delivery row, sent by the sender loop),
waits for a digest, or is nothing. Sending happens elsewhere, so that a slow or absent
SMTP server never holds the queue.

Every moment here comes from the injected clock (the business "now": which Paris day it
is for the daily cap, whether a deadline is close), so that tests can move time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common.bus.consumer import Handler
from chantiers_common.events import Envelope
from chantiers_common.events.common_types import AlertMode
from chantiers_common.events.matching import Lead
from chantiers_common.events.structures import Contact
from chantiers_common.outbox import current_trace_headers

from .db import contact_leads, contacts, deliveries, digest_pending, leads
from .idempotency import alert_key
from .options import Clock, NotifyOptions, system_clock
from .policy import Action, LeadEvent
from .policy import decide as decide_for
from .preferences import ContactPrefs
from .schedule import paris_date

PARIS = ZoneInfo("Europe/Paris")

BINDINGS = ("structures.contact.*", "matching.lead.*")


def prefs_of(contact: Contact, options: NotifyOptions) -> ContactPrefs:
    return ContactPrefs.from_contact(contact, default_alert_score=options.default_alert_score,
                                     daily_alert_cap=options.daily_alert_cap)


def merge_contact(incoming: Contact, event_type: str, occurred_at: datetime,
                  current: Any | None) -> tuple[Contact, datetime | None] | None:
    """The contact state to keep after a contact event, with its unsubscribe time, or
    None when the event is older than what was applied (retried after a newer one).

    An unsubscribe is undone only by a subscription whose consent is newer than it: a
    late or replayed ``contact.subscribed`` never sends email to someone who left.
    """
    if current is not None and current.event_at is not None and occurred_at < current.event_at:
        return None
    unsubscribed_at = incoming.unsubscribed_at
    if event_type == "contact.unsubscribed" and unsubscribed_at is None:
        unsubscribed_at = occurred_at
    if current is not None and current.unsubscribed_at is not None and unsubscribed_at is None:
        consent = incoming.consent_at
        if consent is None or consent <= current.unsubscribed_at:
            unsubscribed_at = current.unsubscribed_at
    return incoming.model_copy(update={"unsubscribed_at": unsubscribed_at}), unsubscribed_at


@dataclass
class Handlers:
    clock: Clock = system_clock
    options: NotifyOptions = field(default_factory=NotifyOptions)

    def table(self) -> dict[str, Handler]:
        return {
            "contact.subscribed": self.on_contact,
            "contact.unsubscribed": self.on_contact,
            "lead.scored": self.on_lead,
            "lead.updated": self.on_lead,
            "lead.withdrawn": self.on_lead,
        }

    async def on_contact(self, session: AsyncSession, env: Envelope[Any]) -> None:
        contact: Contact = env.data.contact
        current = (await session.execute(
            select(contacts.c.bounced_email, contacts.c.unsubscribed_at, contacts.c.event_at)
            .where(contacts.c.id == contact.id).with_for_update())).first()
        merged = merge_contact(contact, env.type, env.occurred_at, current)
        if merged is None:
            return
        data, unsubscribed_at = merged
        bounced = current.bounced_email if current else None
        if bounced and bounced != contact.email:
            bounced = None  # a new address is tried again
        values = {
            "siret": contact.structure_siret,
            "data": data.model_dump(mode="json"),
            "unsubscribed_at": unsubscribed_at,
            "bounced_email": bounced,
            "event_at": env.occurred_at,
            "updated_at": self.clock(),
        }
        await session.execute(insert(contacts).values(id=contact.id, **values)
                              .on_conflict_do_update(index_elements=["id"], set_=values))
        if unsubscribed_at or data.alert_mode is AlertMode.OFF:
            # Nothing will be sent: the queue would only wait forever.
            await session.execute(delete(digest_pending)
                                  .where(digest_pending.c.contact_id == contact.id))

    async def on_lead(self, session: AsyncSession, env: Envelope[Any]) -> None:
        event = LeadEvent.from_contract(env.data)
        lead = event.lead
        withdrawn = env.type == "lead.withdrawn"
        if not await _store_lead(session, lead, "withdrawn" if withdrawn else "active",
                                 self.clock()):
            return  # an older version than what we know: nothing to decide
        if withdrawn:
            await session.execute(delete(digest_pending)
                                  .where(digest_pending.c.lead_id == lead.id))
            return
        moment = self.clock()
        # Locked, in id order: the consumer handles several events at once, and two leads
        # for one contact must not both see "4 alerts today" under a cap of 5.
        rows = (await session.execute(
            select(contacts.c.id, contacts.c.data, contacts.c.bounced_email)
            .where(contacts.c.siret == lead.structure_siret)
            .order_by(contacts.c.id).with_for_update())).all()
        for row in rows:
            contact = Contact.model_validate(row.data)
            if row.bounced_email and row.bounced_email == contact.email:
                continue  # refused for good: nothing is queued until the address changes
            await self._decide(session, event, prefs_of(contact, self.options), moment)

    async def _decide(self, session: AsyncSession, event: LeadEvent, prefs: ContactPrefs,
                      moment: datetime) -> None:
        lead = event.lead
        decision = decide_for(
            event, prefs,
            sent_today=await _alerts_today(session, prefs.contact_id, moment),
            already_alerted=await _already_sent(session, prefs.contact_id, lead.id),
            now=moment,
        )
        pending = digest_pending.c
        if decision.action is Action.ALERT:
            key = alert_key(prefs.contact_id, lead.id)
            await session.execute(
                insert(deliveries).values(
                    key=key, kind="alert", contact_id=prefs.contact_id,
                    siret=lead.structure_siret, lead_ids=[lead.id],
                    trace=current_trace_headers(), created_at=moment,
                ).on_conflict_do_nothing(index_elements=["key"])
            )
            await session.execute(
                insert(contact_leads).values(contact_id=prefs.contact_id, lead_id=lead.id,
                                             delivery_key=key)
                .on_conflict_do_nothing())
            await session.execute(delete(digest_pending).where(
                pending.contact_id == prefs.contact_id, pending.lead_id == lead.id))
        elif decision.action is Action.DIGEST:
            await session.execute(
                insert(digest_pending).values(contact_id=prefs.contact_id, lead_id=lead.id,
                                              queued_at=moment)
                .on_conflict_do_nothing()
            )
        else:
            # Filtered out now (an update lowered its score…): out of the next digest too.
            await session.execute(delete(digest_pending).where(
                pending.contact_id == prefs.contact_id, pending.lead_id == lead.id))


async def _store_lead(session: AsyncSession, lead: Lead, status: str, moment: datetime) -> bool:
    """Keep the newest version only (events may arrive out of order with retries)."""
    values = {"siret": lead.structure_siret, "version": lead.version, "status": status,
              "data": lead.model_dump(mode="json"), "updated_at": moment}
    result = await session.execute(
        insert(leads).values(id=lead.id, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values,
                               where=leads.c.version < lead.version)
        .returning(leads.c.id)
    )
    return result.first() is not None


async def _already_sent(session: AsyncSession, contact_id: str, lead_id: str) -> bool:
    """Already in one of the contact's messages (an alert or a digest)."""
    found = await session.execute(select(contact_leads.c.lead_id).where(
        contact_leads.c.contact_id == contact_id, contact_leads.c.lead_id == lead_id))
    return found.first() is not None


async def _alerts_today(session: AsyncSession, contact_id: str, moment: datetime) -> int:
    # The Paris day, as the daily cap is a person's day, not UTC's.
    start = datetime.combine(paris_date(moment), time(0), tzinfo=PARIS)
    return await session.scalar(
        select(func.count()).select_from(deliveries).where(
            deliveries.c.contact_id == contact_id, deliveries.c.kind == "alert",
            deliveries.c.created_at >= start)) or 0
