"""The prospects service on the real stack, in this process: loads run through the same
functions as the CLI commands (on the test's own databases and vhost), and the events
they publish are caught by a plain aio-pika queue bound to ``prospects.#``."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import asyncpg
import pytest

from chantiers_common import db
from chantiers_common.bus.topology import EVENTS_EXCHANGE
from chantiers_testing.env import IsolatedEnv


@dataclass
class EventProbe:
    """Everything published on ``prospects.#`` since the probe was bound."""

    queue: aio_pika.abc.AbstractQueue
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def collect(self, *, expect: int | None = None, quiet: float = 1.0,
                      timeout: float = 30.0) -> list[dict[str, Any]]:
        """The envelopes that arrived since the last call: at least ``expect`` of them,
        and then nothing more for ``quiet`` seconds (so that extra events are seen)."""
        found: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last = loop.time()
        while loop.time() < deadline:
            message = await self.queue.get(fail=False, no_ack=True)
            if message is not None:
                found.append(json.loads(message.body))
                last = loop.time()
                continue
            if (expect is None or len(found) >= expect) and loop.time() - last >= quiet:
                break
            await asyncio.sleep(0.05)
        self.seen += found
        assert expect is None or len(found) >= expect, (
            f"expected {expect} events, got {len(found)}: {Counter(e['type'] for e in found)}")
        return found


@pytest.fixture
async def probe(isolated_env: IsolatedEnv) -> AsyncIterator[EventProbe]:
    connection = await aio_pika.connect_robust(isolated_env.amqp_url)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(
        EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    await queue.bind(exchange, routing_key="prospects.#")
    try:
        yield EventProbe(queue)
    finally:
        await connection.close()


@dataclass
class Database:
    """Direct reads of the test's prospects database, to check what was committed."""

    dsn: str

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def count(self, table: str) -> int:
        conn = await asyncpg.connect(self.dsn)
        try:
            exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table)
            return int(await conn.fetchval(f"SELECT count(*) FROM {table}")) if exists else 0
        finally:
            await conn.close()


@pytest.fixture
def database(isolated_env: IsolatedEnv) -> Database:
    settings = isolated_env.settings()
    return Database(db.asyncpg_dsn(settings, settings.database_name("prospects")))
