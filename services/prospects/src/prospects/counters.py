"""Counts shown by ``/stats``."""

from __future__ import annotations

from sqlalchemy import func, select

from chantiers_common.service import ServiceContext

from .db import quarantine, tenders


async def counts(ctx: ServiceContext) -> dict[str, int]:
    async with ctx.sessions() as session:
        return {
            "tenders": await session.scalar(select(func.count()).select_from(tenders)) or 0,
            "quarantined": await session.scalar(select(func.count()).select_from(quarantine))
            or 0,
        }
