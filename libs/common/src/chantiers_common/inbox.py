"""Idempotent consumers: an event id is processed at most once per service.

``claim`` runs in the same transaction as the handler's writes: if the handler fails,
the claim rolls back with them and the redelivered event is processed again.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ARRAY, Text, Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

_CLAIM = text(
    "INSERT INTO inbox (event_id, event_type) VALUES (:id, :type) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)


async def claim(session: AsyncSession, event_id: uuid.UUID, event_type: str) -> bool:
    """True the first time this event id is seen by this service."""
    result = await session.execute(_CLAIM, {"id": event_id, "type": event_type})
    return result.first() is not None


# Two arrays rather than a VALUES list: one statement text (compiled and prepared once)
# whatever the batch size; a multi-row VALUES was compiled again for every size.
_CLAIM_MANY = text(
    "INSERT INTO inbox (event_id, event_type) "
    "SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[])) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
).bindparams(bindparam("ids", type_=ARRAY(Uuid())), bindparam("types", type_=ARRAY(Text())))


async def claim_many(session: AsyncSession, events: list[tuple[uuid.UUID, str]]) -> set[uuid.UUID]:
    """Claim several event ids in one statement; returns those seen for the first time."""
    if not events:
        return set()
    result = await session.execute(
        _CLAIM_MANY, {"ids": [i for i, _ in events], "types": [t for _, t in events]})
    return {row.event_id for row in result}
