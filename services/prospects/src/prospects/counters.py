"""Counts shown by ``/stats``."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from chantiers_common.service import ServiceContext

from .db import companies, quarantine, tenders


async def counts(ctx: ServiceContext) -> dict[str, int]:
    async with ctx.sessions() as session:
        result = {
            "tenders": await session.scalar(select(func.count()).select_from(tenders)) or 0,
            "quarantined": await session.scalar(select(func.count()).select_from(quarantine))
            or 0,
        }
    # The very first companies load holds the table until it commits (it rebuilds the
    # indexes): say so rather than keep /stats waiting.
    try:
        async with ctx.sessions() as session, session.begin():
            await session.execute(text("SET LOCAL lock_timeout = '1s'"))
            result["companies"] = (
                await session.scalar(select(func.count()).select_from(companies)) or 0
            )
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":
            raise
        result["companies_first_load_in_progress"] = 1
    return result
