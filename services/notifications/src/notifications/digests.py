"""Digests: at each slot (business days 08:00 Europe/Paris; weekly on the week's first
business day), one digest per contact with something new. The delivery key
``digest:<contact>:<period>`` makes the slot idempotent: a scheduler that runs twice, or
several replicas at once, create one digest."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chantiers_common.events.common_types import AlertMode
from chantiers_common.events.matching import Lead
from chantiers_common.events.structures import Contact
from chantiers_common.service import ServiceContext

from .db import contacts, deliveries, digest_pending, leads
from .idempotency import digest_key
from .policy import select_for_digest
from .preferences import ContactPrefs
from .schedule import digest_period, last_digest_at

log = logging.getLogger(__name__)


async def build_digests(session: AsyncSession, mode: AlertMode, period: str,
                        slot: datetime, now: datetime) -> int:
    """Create the digest deliveries of ``period`` for the contacts of ``mode``, with the
    leads queued up to ``slot``; returns how many were created (0: nothing new)."""
    queued = digest_pending.c.queued_at <= slot
    rows = (await session.execute(
        select(contacts.c.id, contacts.c.data)
        .where(contacts.c.unsubscribed_at.is_(None),
               contacts.c.data["alert_mode"].astext.in_(_modes_for(mode)))
        .where(contacts.c.id.in_(select(digest_pending.c.contact_id).where(queued).distinct()))
    )).all()
    created = 0
    for row in rows:
        contact = Contact.model_validate(row.data)
        prefs = ContactPrefs.from_contact(contact)
        if prefs.digest_mode is not mode:
            continue
        pending = (await session.execute(
            select(leads.c.data, leads.c.status)
            .join(digest_pending, digest_pending.c.lead_id == leads.c.id)
            .where(digest_pending.c.contact_id == contact.id, queued)
        )).all()
        chosen = select_for_digest(
            [Lead.model_validate(p.data) for p in pending], prefs, now,
            withdrawn=[Lead.model_validate(p.data).id for p in pending if p.status != "active"],
        )
        key = digest_key(contact.id, period)
        if chosen:
            result = await session.execute(
                insert(deliveries).values(
                    key=key, kind="digest", contact_id=contact.id, siret=contact.structure_siret,
                    lead_ids=[lead.id for lead in chosen], period=period,
                ).on_conflict_do_nothing(index_elements=["key"]).returning(deliveries.c.key))
            created += result.first() is not None
        # What was considered leaves the queue (what was not chosen is stale or filtered).
        await session.execute(delete(digest_pending)
                              .where(digest_pending.c.contact_id == contact.id, queued))
    return created


def _modes_for(mode: AlertMode) -> list[str]:
    # Immediate-mode contacts get the daily digest for what was not strong enough.
    if mode is AlertMode.DAILY:
        return [AlertMode.DAILY.value, AlertMode.IMMEDIATE.value]
    return [AlertMode.WEEKLY.value]


async def build_digests_now(sessions: async_sessionmaker[AsyncSession],
                            now: datetime | None = None, *, force: bool = False,
                            ) -> dict[str, int]:
    """Create the digests owed at ``now`` (or, with ``force``, as if a slot were now)."""
    now = now or datetime.now(UTC)
    made = {}
    for mode in (AlertMode.DAILY, AlertMode.WEEKLY):
        slot = now if force else last_digest_at(mode, now)
        period = digest_period(mode, slot)
        async with sessions.begin() as session:
            made[period] = await build_digests(session, mode, period, slot, now)
    return made


async def digest_loop(ctx: ServiceContext) -> None:
    while True:
        made = await build_digests_now(ctx.sessions)
        if any(made.values()):
            log.info("digests created: %s", made)
        await asyncio.sleep(60)
