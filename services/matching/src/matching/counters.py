"""Counts shown by ``/stats`` (``pending_*`` tells ``wait_quiet`` that work is queued)."""

from __future__ import annotations

from chantiers_common.service import ServiceContext

from .pg import raw


async def counts(ctx: ServiceContext) -> dict[str, int]:
    async with ctx.sessions() as session:
        conn = await raw(session)
        row = await conn.fetchrow(
            """
            SELECT (SELECT count(*) FROM structures) AS structures,
                   (SELECT count(*) FROM activities WHERE NOT removed) AS activities,
                   (SELECT count(*) FROM tenders WHERE status = 'open') AS tenders_open,
                   (SELECT count(*) FROM tenders) AS tenders,
                   (SELECT count(*) FROM companies WHERE active) AS companies,
                   (SELECT count(*) FROM leads WHERE status = 'active') AS leads,
                   (SELECT count(*) FROM leads WHERE status = 'withdrawn') AS leads_withdrawn,
                   (SELECT count(*) FROM backfill_jobs) AS pending_backfills,
                   (SELECT count(*) FROM access_tokens WHERE token_sha256 IS NOT NULL
                      AND revoked_at IS NULL) AS access_tokens,
                   (SELECT count(*) FROM access_tokens
                      WHERE revoked_at IS NOT NULL) AS access_tokens_revoked
            """)
    return {key: int(value) for key, value in row.items()}
