"""Recording what a contact answered through a one-click link, and unsubscribing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events.notifications import FeedbackRecorded
from chantiers_common.events.structures import Contact, ContactUnsubscribed

from .db import contacts, digest_pending, feedback, leads
from .links import FeedbackClaim, UnsubscribeClaim

SERVICE = "notifications"


class UnknownLead(LookupError):
    pass


async def record_feedback(session: AsyncSession, claim: FeedbackClaim) -> tuple[bool, str]:
    """Store the answer (the latest one wins); publish ``feedback.recorded`` only when it
    changes, so that a link opened twice (or by a mail scanner) counts once. Returns
    (changed, lead title)."""
    lead = (await session.execute(select(leads.c.siret, leads.c.data["title"].astext)
                                  .where(leads.c.id == claim.lead_id))).first()
    if lead is None:
        raise UnknownLead(claim.lead_id)
    now = datetime.now(UTC)
    result = await session.execute(
        insert(feedback).values(contact_id=claim.contact_id, lead_id=claim.lead_id,
                                outcome=claim.outcome.value, recorded_at=now)
        .on_conflict_do_update(index_elements=["contact_id", "lead_id"],
                               set_={"outcome": claim.outcome.value, "recorded_at": now},
                               where=feedback.c.outcome != claim.outcome.value)
        .returning(feedback.c.lead_id))
    changed = result.first() is not None
    if changed:
        await outbox.add(session, FeedbackRecorded(
            lead_id=claim.lead_id, structure_siret=lead.siret, contact_id=claim.contact_id,
            outcome=claim.outcome, recorded_at=now))
    return changed, lead[1]


async def unsubscribe(session: AsyncSession, claim: UnsubscribeClaim) -> Contact | None:
    """Effective at once here (nothing more is sent), and published so that structures,
    which owns contacts, records it."""
    row = (await session.execute(select(contacts.c.data, contacts.c.unsubscribed_at)
                                 .where(contacts.c.id == claim.contact_id)
                                 .with_for_update())).first()
    if row is None:
        return None
    contact = Contact.model_validate(row.data)
    if row.unsubscribed_at is not None:
        return contact  # already done: nothing more to publish
    now = datetime.now(UTC)
    contact = contact.model_copy(update={"unsubscribed_at": now})
    await session.execute(update(contacts).where(contacts.c.id == contact.id).values(
        unsubscribed_at=now, data=contact.model_dump(mode="json"), updated_at=now))
    await session.execute(digest_pending.delete().where(
        digest_pending.c.contact_id == contact.id))
    await outbox.add(session, ContactUnsubscribed(contact=contact), producer=SERVICE)
    return contact
