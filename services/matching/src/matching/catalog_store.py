"""The catalog (structures and activities) in the database, and its in-memory copy.

Every replica consumes only part of the structure and activity events, so the in-memory
catalog is refreshed from the rows, never from the events one process saw:

- a writer (structure or activity event) bumps ``catalog_version`` (its row lock orders
  the writers: versions commit in order) and stamps its rows with the new version;
- a reader (a handler matching prospects) reads the version and, when it moved, loads
  the rows stamped since its copy's version.

A prospect and an activity committed at the same moment must still meet: either the
prospect's handler saw the activity, or the activity's backfill sees the prospect. The
backfill runs after the activity's commit and first waits for every transaction of the
database still in flight (:func:`wait_for_transactions_in_flight`): a handler that read
the catalog before the activity was committed is one of them, so its prospect is
committed, and visible, when the backfill reads. No lock on the hot path.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

import asyncpg

from chantiers_common.events.structures import Activity, Structure

from .catalog import ActivityEntry, Catalog, StructureInfo
from .pg import as_json

log = logging.getLogger(__name__)

# Backfills set this name on their connection, so that they do not wait for each other.
BACKFILL_APPLICATION = "matching-backfill"


async def begin_write(conn: asyncpg.Connection) -> int:
    """Before writing structures or activities: the new catalog version to stamp."""
    version: int = await conn.fetchval(
        "UPDATE catalog_version SET version = version + 1 WHERE id = 1 RETURNING version")
    return version


async def version(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT version FROM catalog_version WHERE id = 1"))


async def wait_for_transactions_in_flight(conn: asyncpg.Connection,
                                          timeout_s: float = 30.0) -> int:
    """Wait until the transactions of this database in progress now (other than
    backfills) have ended; returns how many there were. A transaction is named by its
    backend and transaction id, so that the backend's next transaction is not waited for.
    """
    query = """
        SELECT pid, backend_xid::text AS xid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND backend_xid IS NOT NULL AND application_name <> $1
          AND ($2::int[] IS NULL OR pid = ANY($2::int[]))
    """
    pending = {(r["pid"], r["xid"]) for r in await conn.fetch(query, BACKFILL_APPLICATION,
                                                                None)}
    count, deadline = len(pending), time.monotonic() + timeout_s
    while pending:
        if time.monotonic() > deadline:
            log.warning("backfill: %d transactions still in flight after %.0f s; going on",
                        len(pending), timeout_s)
            break
        await asyncio.sleep(0.005)
        # Within a transaction PostgreSQL answers every read of pg_stat_activity from the
        # snapshot it took at the first one, unless told to take a new one.
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        rows = await conn.fetch(query, BACKFILL_APPLICATION, [pid for pid, _ in pending])
        pending &= {(r["pid"], r["xid"]) for r in rows}
    return count


async def save_structure(conn: asyncpg.Connection, version: int, structure: Structure,
                         active: bool, at: datetime,
                         ) -> tuple[bool | None, Structure | None] | None:
    """Store the structure unless a later event did already (then None). Returns whether
    it was active before and what it was (both None when it is new)."""
    old = await conn.fetchrow("SELECT active, data FROM structures WHERE siret = $1",
                              structure.siret)
    row = await conn.fetchrow(
        """
        INSERT INTO structures AS s (siret, active, data, updated_at, catalog_version)
        VALUES ($1, $2, $3::jsonb, $4, $5)
        ON CONFLICT (siret) DO UPDATE SET active = excluded.active, data = excluded.data,
            updated_at = excluded.updated_at, catalog_version = excluded.catalog_version
        WHERE s.updated_at <= excluded.updated_at
        RETURNING 1
        """,
        structure.siret, active, structure.model_dump_json(), at, version)
    if row is None:
        return None
    if old is None:
        return None, None
    return old["active"], Structure.model_validate(as_json(old["data"]))


async def has_activities(conn: asyncpg.Connection, siret: str) -> bool:
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM activities WHERE siret = $1 AND NOT removed)", siret))


async def save_activity(conn: asyncpg.Connection, version: int, activity: Activity,
                        removed: bool, at: datetime) -> bool:
    """Store the activity unless a later event did already; True when stored."""
    row = await conn.fetchrow(
        """
        INSERT INTO activities AS a (id, siret, sector, removed, data, updated_at,
                                     catalog_version)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
        ON CONFLICT (id) DO UPDATE SET siret = excluded.siret, sector = excluded.sector,
            removed = excluded.removed, data = excluded.data, updated_at = excluded.updated_at,
            catalog_version = excluded.catalog_version
        WHERE a.updated_at <= excluded.updated_at
        RETURNING 1
        """,
        activity.id, activity.structure_siret, activity.sector, removed,
        activity.model_dump_json(), at, version)
    return row is not None


class CatalogCache:
    """This process's copy of the catalog, refreshed from the database when its version
    moved (one coroutine loads; the others wait for it)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._lock = asyncio.Lock()

    async def refresh(self, conn: asyncpg.Connection, at_least: int | None = None) -> Catalog:
        """Bring the copy up to the database's version (``at_least``: a version the caller
        read; the database is read again only if the copy is older)."""
        if at_least is not None and self.catalog.version >= at_least:
            return self.catalog
        async with self._lock:
            current = await version(conn)
            if current > self.catalog.version:
                await self._load(conn, current)
        return self.catalog

    async def _load(self, conn: asyncpg.Connection, version: int) -> None:
        since = self.catalog.version
        for row in await conn.fetch(
                "SELECT siret, active, data FROM structures WHERE catalog_version > $1", since):
            structure = Structure.model_validate(as_json(row["data"]))
            self.catalog.put_structure(StructureInfo.from_structure(structure, row["active"]))
        rows = await conn.fetch(
            "SELECT id, removed, data FROM activities WHERE catalog_version > $1", since)
        for row in rows:
            if row["removed"]:
                self.catalog.remove_activity(row["id"])
            else:
                activity = Activity.model_validate(as_json(row["data"]))
                self.catalog.put_activity(ActivityEntry.from_activity(activity))
        log.info("catalog %d → %d: %d activity rows loaded, %d activities in memory",
                 since, version, len(rows), len(self.catalog))
        self.catalog.version = version
