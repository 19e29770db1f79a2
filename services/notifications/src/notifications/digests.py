"""Digests: at each slot (business days 08:00 Europe/Paris; weekly on the week's first
business day), one digest per contact with something new.

The delivery key ``digest:<contact>:<period>`` makes the slot idempotent: a scheduler that
runs twice, or several replicas at once, create one digest. A contact whose digest of
that period already exists keeps its queued leads for the next period (a lead queued just
before 08:00 but committed after the digest was built is not lost).

Contacts are handled in chunks, each in one transaction with a few set-based statements:
10,000 digests are built in seconds, not minutes.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chantiers_common.events.common_types import AlertMode
from chantiers_common.events.matching import Lead
from chantiers_common.events.structures import Contact
from chantiers_common.service import ServiceContext

from .db import contact_leads, deliveries, digest_pending
from .handlers import prefs_of
from .idempotency import digest_key
from .options import Clock, NotifyOptions, system_clock
from .policy import select_for_digest
from .schedule import digest_period, last_digest_at

log = logging.getLogger(__name__)

CHUNK = 1000

# Contacts owed a digest of `period`: something queued up to the slot, subscribed, in a
# mode that gets this digest, an address not refused, and no digest of this period yet.
_CANDIDATES = text("""
    SELECT DISTINCT p.contact_id
    FROM digest_pending p JOIN contacts c ON c.id = p.contact_id
    WHERE p.queued_at <= :slot
      AND c.unsubscribed_at IS NULL
      AND c.data->>'alert_mode' = ANY(:modes)
      AND (c.bounced_email IS NULL OR c.bounced_email <> c.data->>'email')
      AND NOT EXISTS (SELECT 1 FROM deliveries d
                      WHERE d.key = 'digest:' || c.id || ':' || :period)
      AND p.contact_id > :after
    ORDER BY p.contact_id
    LIMIT :limit
""")

# What is queued for these contacts, whether each lead is still active and whether it
# already went to that contact; contacts and leads are read once each (two contacts of a
# structure share its leads).
_PENDING = text("""
    SELECT p.contact_id, p.lead_id, l.status, cl.lead_id IS NOT NULL AS already_sent
    FROM digest_pending p
    JOIN leads l ON l.id = p.lead_id
    LEFT JOIN contact_leads cl ON cl.contact_id = p.contact_id AND cl.lead_id = p.lead_id
    WHERE p.contact_id = ANY(:ids) AND p.queued_at <= :slot
""")
_CONTACTS = text("SELECT id, data FROM contacts WHERE id = ANY(:ids)")
_LEADS = text("SELECT id, data FROM leads WHERE id = ANY(:ids)")


def _modes_for(mode: AlertMode) -> list[str]:
    # Immediate-mode contacts get the daily digest for what was not strong enough.
    if mode is AlertMode.DAILY:
        return [AlertMode.DAILY.value, AlertMode.IMMEDIATE.value]
    return [AlertMode.WEEKLY.value]


def choose(contact: Contact, pending: list[tuple[Lead, str, bool]], mode: AlertMode,
           now: datetime, options: NotifyOptions) -> list[Lead] | None:
    """The leads of one contact's digest, from its queue: (lead, status, already sent to
    this contact). None when the contact does not get this digest."""
    prefs = prefs_of(contact, options)
    if prefs.digest_mode is not mode:
        return None
    return select_for_digest(
        [lead for lead, _, _ in pending], prefs, now,
        withdrawn=[lead.id for lead, status, _ in pending if status != "active"],
        alerted=[lead.id for lead, _, sent in pending if sent],
    )


async def _build_chunk(session: AsyncSession, ids: list[str], mode: AlertMode, period: str,
                       slot: datetime, now: datetime, options: NotifyOptions) -> int:
    queued: dict[str, list[Any]] = defaultdict(list)
    for row in (await session.execute(_PENDING, {"ids": ids, "slot": slot})).all():
        queued[row.contact_id].append(row)
    people = {r.id: Contact.model_validate(r.data)
              for r in (await session.execute(_CONTACTS, {"ids": list(queued)})).all()}
    lead_ids = list({row.lead_id for rows in queued.values() for row in rows})
    found = {r.id: Lead.model_validate(r.data)
             for r in (await session.execute(_LEADS, {"ids": lead_ids})).all()}
    new_deliveries, sent_leads, considered = [], [], []
    for contact_id, rows in queued.items():
        contact = people[contact_id]
        chosen = choose(contact, [(found[r.lead_id], r.status, r.already_sent) for r in rows],
                        mode, now, options)
        if chosen is None:
            continue
        considered.append(contact_id)
        if not chosen:
            continue  # nothing new worth a message: no digest
        key = digest_key(contact.id, period)
        new_deliveries.append({
            "key": key, "kind": "digest", "contact_id": contact.id,
            "siret": contact.structure_siret, "lead_ids": [lead.id for lead in chosen],
            "period": period, "created_at": now, "trace": {},
        })
        sent_leads += [{"contact_id": contact.id, "lead_id": lead.id, "delivery_key": key}
                       for lead in chosen]
    created: set[str] = set()
    if new_deliveries:
        result = await session.execute(
            insert(deliveries).on_conflict_do_nothing(index_elements=["key"])
            .returning(deliveries.c.contact_id), new_deliveries)
        created = {row.contact_id for row in result.all()}
        rows_to_add = [r for r in sent_leads if r["contact_id"] in created]
        if rows_to_add:
            await session.execute(insert(contact_leads).on_conflict_do_nothing(), rows_to_add)
    # What was considered leaves the queue (what was not chosen is stale or filtered),
    # except where another run made this period's digest meanwhile.
    wanted = {d["contact_id"] for d in new_deliveries}
    emptied = [c for c in considered if c in created or c not in wanted]
    if emptied:
        await session.execute(delete(digest_pending).where(
            digest_pending.c.contact_id.in_(emptied), digest_pending.c.queued_at <= slot))
    return len(created)


async def build_digests(sessions: async_sessionmaker[AsyncSession], mode: AlertMode,
                        period: str, slot: datetime, now: datetime,
                        options: NotifyOptions) -> int:
    """Create the digest deliveries of ``period`` for the contacts of ``mode``, with the
    leads queued up to ``slot``; returns how many were created (0: nothing new)."""
    created, after = 0, ""
    while True:
        async with sessions.begin() as session:
            ids = list((await session.execute(_CANDIDATES, {
                "slot": slot, "modes": _modes_for(mode), "period": period,
                "after": after, "limit": CHUNK})).scalars())
            if not ids:
                return created
            created += await _build_chunk(session, ids, mode, period, slot, now, options)
        after = ids[-1]


async def build_digests_now(sessions: async_sessionmaker[AsyncSession],
                            now: datetime | None = None, *, force: bool = False,
                            options: NotifyOptions | None = None) -> dict[str, int]:
    """Create the digests owed at ``now`` (or, with ``force``, as if a slot were now:
    today's daily digest and this week's weekly one, each at most once)."""
    now = now or system_clock()
    options = options or NotifyOptions()
    made = {}
    for mode in (AlertMode.DAILY, AlertMode.WEEKLY):
        slot = now if force else last_digest_at(mode, now)
        period = digest_period(mode, slot)
        made[period] = await build_digests(sessions, mode, period, slot, now, options)
    return made


def make_digest_loop(clock: Clock, options: NotifyOptions,
                     ) -> Callable[[ServiceContext], Any]:
    async def digest_loop(ctx: ServiceContext) -> None:
        while True:
            made = await build_digests_now(ctx.sessions, clock(), options=options)
            if any(made.values()):
                log.info("digests created: %s", made)
            await asyncio.sleep(options.digest_check_s)

    return digest_loop

