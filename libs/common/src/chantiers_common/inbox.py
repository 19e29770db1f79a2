"""Idempotent consumers: an event id is processed at most once per service.

``claim`` runs in the same transaction as the handler's writes: if the handler fails,
the claim rolls back with them and the redelivered event is processed again.
"""

from __future__ import annotations

import uuid

from sqlalchemy import MetaData, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import inbox_table

_inbox = inbox_table(MetaData())

_CLAIM = text(
    "INSERT INTO inbox (event_id, event_type) VALUES (:id, :type) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)


async def claim(session: AsyncSession, event_id: uuid.UUID, event_type: str) -> bool:
    """True the first time this event id is seen by this service."""
    result = await session.execute(_CLAIM, {"id": event_id, "type": event_type})
    return result.first() is not None


async def claim_many(session: AsyncSession, events: list[tuple[uuid.UUID, str]]) -> set[uuid.UUID]:
    """Claim several event ids in one statement; returns those seen for the first time."""
    if not events:
        return set()
    rows = (await session.execute(
        insert(_inbox).values([{"event_id": i, "event_type": t} for i, t in events])
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(_inbox.c.event_id))).all()
    return {row.event_id for row in rows}
