"""Counts shown by ``/stats``."""

from __future__ import annotations

from sqlalchemy import func, select

from chantiers_common.service import ServiceContext

from .db import activities, leads, structures, tenders


async def counts(ctx: ServiceContext) -> dict[str, int]:
    async with ctx.sessions() as session:
        async def count(table, *where) -> int:  # type: ignore[no-untyped-def]
            return await session.scalar(select(func.count()).select_from(table).where(*where)) or 0

        return {
            "structures": await count(structures),
            "activities": await count(activities),
            "tenders": await count(tenders),
            "leads": await count(leads, leads.c.status == "active"),
        }
