"""A tender handler and an activity committed at the same moment still meet, staged step
by step on the real database: the handler reads the catalog before the activity commits
and commits its tender after; the activity's backfill must wait for it and find it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from chantiers_common import db, migrations
from chantiers_testing.env import IsolatedEnv
from matching import backfill, catalog_store, jobs, tender_store
from matching.state import MatchingState
from matching.tender_match import match_tender, sectors_of

from .conftest import Make

pytestmark = pytest.mark.stack

MIGRATIONS = Path(__file__).resolve().parents[2] / "src" / "matching" / "migrations"


@pytest.fixture
async def dsn(isolated_env: IsolatedEnv) -> AsyncIterator[str]:
    settings = isolated_env.settings()
    await db.ensure_database(settings, "matching")
    await migrations.upgrade_async(MIGRATIONS, settings.database_url("matching"))
    yield db.asyncpg_dsn(settings, settings.database_name("matching"))


async def stage_race(dsn: str, make: Make) -> int:
    """Returns how many leads the structure has on the tender at the end."""
    handler, writer, worker = [await asyncpg.connect(dsn) for _ in range(3)]
    try:
        structure = make.structure()
        now = datetime.now(UTC)
        async with writer.transaction():
            version = await catalog_store.begin_write(writer)
            await catalog_store.save_structure(writer, version, structure, True, now)
        tender = make.tender()
        # 1. The tender's handler starts: inbox claim, then the catalog as it is now.
        handler_tx = handler.transaction()
        await handler_tx.start()
        await handler.execute("INSERT INTO inbox (event_id, event_type) VALUES ($1, $2)",
                              uuid.uuid4(), "tender.published")
        state = MatchingState()
        ctx = await state.context(handler)
        leads = match_tender(tender, ctx, now, sectors=sectors_of(tender))
        assert leads == []  # no activity yet
        # 2. The activity is written and committed meanwhile.
        activity = make.activity(structure)
        async with writer.transaction():
            version = await catalog_store.begin_write(writer)
            await catalog_store.save_activity(writer, version, activity, False, now)
            await jobs.enqueue(writer, structure.siret, activity.id)
        # 3. Its backfill starts while the handler has not committed yet.

        async def run_backfill() -> None:
            async with worker.transaction():
                job = await jobs.take(worker)
                assert job is not None
                await backfill.run(worker, MatchingState(), job, datetime.now(UTC))

        backfilling = asyncio.create_task(run_backfill())
        await asyncio.sleep(0.3)
        # 4. The handler writes its tender (no lead: it did not see the activity) and
        #    commits.
        await tender_store.save_open(handler, tender.idweb, tender, sectors_of(tender), now,
                                     now, leads)
        await handler_tx.commit()
        await asyncio.wait_for(backfilling, 30)
        return int(await writer.fetchval(
            "SELECT count(*) FROM leads WHERE structure_siret = $1 AND prospect_ref = $2"
            " AND status = 'active'", structure.siret, tender.idweb))
    finally:
        for conn in (handler, writer, worker):
            await conn.close()


async def test_the_backfill_waits_for_a_handler_that_read_the_older_catalog(dsn: str) -> None:
    assert await stage_race(dsn, Make()) == 1


async def test_without_waiting_the_tender_would_be_missed(
        dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same race with the wait removed: the lead is lost (what the wait is for)."""
    async def no_wait(conn: asyncpg.Connection, timeout_s: float = 30.0) -> int:
        return 0

    monkeypatch.setattr(catalog_store, "wait_for_transactions_in_flight", no_wait)
    assert await stage_race(dsn, Make()) == 0
