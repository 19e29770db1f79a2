"""Backfill requests: a new or changed activity (or structure) is matched against the
prospects already known, after its own transaction commits (so that the event handler
stays short and holds the catalog lock for milliseconds). Any replica may run a request;
two never run the same one."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Job:
    id: int
    siret: str
    activity_id: str | None  # None: every activity of the structure


async def enqueue(conn: asyncpg.Connection, siret: str, activity_id: str | None) -> None:
    await conn.execute("INSERT INTO backfill_jobs (siret, activity_id) VALUES ($1, $2)",
                       siret, activity_id)
    # Wakes the backfill loops (delivered when this transaction commits).
    await conn.execute("SELECT pg_notify('backfill_jobs', '')")


async def take(conn: asyncpg.Connection) -> Job | None:
    """The oldest request no other replica holds, and the same requests queued before it
    (committed, so covered by this run): they are deleted with it at commit."""
    row = await conn.fetchrow("SELECT id, siret, activity_id FROM backfill_jobs ORDER BY id"
                              " LIMIT 1 FOR UPDATE SKIP LOCKED")
    if row is None:
        return None
    job = Job(row["id"], row["siret"], row["activity_id"])
    await conn.execute(
        """
        DELETE FROM backfill_jobs WHERE id IN (
            SELECT id FROM backfill_jobs WHERE siret = $1
              AND activity_id IS NOT DISTINCT FROM $2 FOR UPDATE SKIP LOCKED)
           OR id = $3
        """,
        job.siret, job.activity_id, job.id)
    return job


async def pending(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM backfill_jobs"))
