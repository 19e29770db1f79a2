"""Background loops of the matching service: backfill requests and the deadline sweep.
Every replica runs them; row locks (``SKIP LOCKED``) share the work out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import asyncpg

from chantiers_common import db
from chantiers_common.service import ServiceContext

from . import backfill, jobs, lead_store, tender_store
from .options import get_options
from .pg import raw
from .state import MatchingState

log = logging.getLogger(__name__)

EXPIRED = "Date limite de réponse dépassée"
JOBS_CHANNEL = "backfill_jobs"


def now() -> datetime:
    return datetime.now(UTC)


async def backfill_once(ctx: ServiceContext, state: MatchingState) -> bool:
    """Run one backfill request; False when none was waiting."""
    async with ctx.sessions.begin() as session:
        conn = await raw(session)
        job = await jobs.take(conn)
        if job is None:
            return False
        await backfill.run(conn, state, job, now())
    ctx.relay.wake()
    return True


def backfill_loop(state: MatchingState):  # type: ignore[no-untyped-def]
    async def backfills(ctx: ServiceContext) -> None:
        wake = asyncio.Event()
        listener = await _listen(ctx, wake)
        try:
            while True:
                wake.clear()
                if await backfill_once(ctx, state):
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), get_options().backfill_poll_s)
        finally:
            if listener is not None:
                await listener.close()

    return backfills


async def _listen(ctx: ServiceContext, wake: asyncio.Event) -> asyncpg.Connection | None:
    try:
        conn = await asyncpg.connect(db.asyncpg_dsn(ctx.settings,
                                                    ctx.settings.database_name(ctx.name)))
        await conn.add_listener(JOBS_CHANNEL, lambda *_: wake.set())
        return conn
    except Exception as exc:  # polling still works
        log.warning("backfill loop: LISTEN unavailable (%s); polling only", exc)
        return None


async def sweep_once(ctx: ServiceContext) -> int:
    """Withdraw the leads of tenders whose deadline passed; returns how many tenders."""
    options = get_options()
    async with ctx.sessions.begin() as session:
        conn = await raw(session)
        due = await tender_store.expire_due(conn, now(), options.sweep_batch)
        if due:
            await lead_store.withdraw(conn, "kind = 'tender' AND prospect_ref = ANY($3::text[])",
                                      due, reason=EXPIRED)
    if due:
        ctx.relay.wake()
    return len(due)


async def deadline_sweep(ctx: ServiceContext) -> None:
    options = get_options()
    while True:
        while await sweep_once(ctx) == options.sweep_batch:
            pass
        await asyncio.sleep(options.sweep_interval_s)
