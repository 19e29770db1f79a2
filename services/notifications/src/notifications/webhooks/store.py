"""Subscriptions in the service's database (what the API and the loops share)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import subscriptions, webhook_deliveries

_PUBLIC = (subscriptions.c.id, subscriptions.c.url, subscriptions.c.pattern,
           subscriptions.c.description, subscriptions.c.status,
           subscriptions.c.consecutive_failures, subscriptions.c.last_error,
           subscriptions.c.created_at, subscriptions.c.paused_at)


async def create(session: AsyncSession, *, url: str, pattern: str, secret: str,
                 description: str | None) -> dict[str, Any]:
    new_id = uuid.uuid4()
    await session.execute(subscriptions.insert().values(
        id=new_id, url=url, pattern=pattern, secret=secret, description=description))
    found = await get(session, new_id)
    assert found is not None
    return found


def _counts() -> Any:
    d = webhook_deliveries.c
    return (select(d.subscription_id,
                   func.count().filter(d.status == "pending").label("pending"),
                   func.count().filter(d.status == "delivered").label("delivered"))
            .group_by(d.subscription_id).subquery())


async def list_all(session: AsyncSession) -> list[dict[str, Any]]:
    counts = _counts()
    rows = (await session.execute(
        select(*_PUBLIC, counts.c.pending, counts.c.delivered)
        .outerjoin(counts, counts.c.subscription_id == subscriptions.c.id)
        .order_by(subscriptions.c.created_at))).mappings().all()
    return [_public(row) for row in rows]


async def get(session: AsyncSession, subscription_id: uuid.UUID) -> dict[str, Any] | None:
    counts = _counts()
    row = (await session.execute(
        select(*_PUBLIC, counts.c.pending, counts.c.delivered)
        .outerjoin(counts, counts.c.subscription_id == subscriptions.c.id)
        .where(subscriptions.c.id == subscription_id))).mappings().first()
    return _public(row) if row else None


async def remove(session: AsyncSession, subscription_id: uuid.UUID) -> str | None:
    """Delete it (and what waited for it); returns its pattern, None if unknown."""
    result = await session.execute(
        delete(subscriptions).where(subscriptions.c.id == subscription_id)
        .returning(subscriptions.c.pattern))
    return result.scalar_one_or_none()


async def resume(session: AsyncSession, subscription_id: uuid.UUID) -> bool:
    """Active again, failures forgotten, the oldest waiting delivery due at once."""
    result = await session.execute(
        update(subscriptions).where(subscriptions.c.id == subscription_id)
        .values(status="active", consecutive_failures=0, paused_at=None, lease_until=None))
    if not result.rowcount:
        return False
    await session.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.subscription_id == subscription_id,
               webhook_deliveries.c.status == "pending")
        .values(next_attempt_at=func.now()))
    return True


def _public(row: Any) -> dict[str, Any]:
    values = dict(row)
    values["pending"] = values.get("pending") or 0
    values["delivered"] = values.get("delivered") or 0
    return values
