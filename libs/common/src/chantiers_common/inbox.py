"""Idempotent consumers: an event id is processed at most once per service.

``claim`` runs in the same transaction as the handler's writes: if the handler fails,
the claim rolls back with them and the redelivered event is processed again.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_CLAIM = text(
    "INSERT INTO inbox (event_id, event_type) VALUES (:id, :type) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)


async def claim(session: AsyncSession, event_id: uuid.UUID, event_type: str) -> bool:
    """True the first time this event id is seen by this service."""
    result = await session.execute(_CLAIM, {"id": event_id, "type": event_type})
    return result.first() is not None
