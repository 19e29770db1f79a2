"""Counts shown by ``/stats`` (operators, the demo summary)."""

from __future__ import annotations

from sqlalchemy import func, select

from chantiers_common.service import ServiceContext

from .db import activities, contacts, structures


async def counts(ctx: ServiceContext) -> dict[str, int]:
    async with ctx.sessions() as session:
        return {
            "structures": await session.scalar(select(func.count()).select_from(structures)) or 0,
            "activities": await session.scalar(select(func.count()).select_from(activities)) or 0,
            "contacts": await session.scalar(select(func.count()).select_from(contacts)) or 0,
        }
