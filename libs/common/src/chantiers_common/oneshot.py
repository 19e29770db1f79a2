"""Helpers for a service's one-shot commands (``chantiers ingest …``, ``chantiers leads``):
the service's own code, run as a short process against the service's own database.

Events written by such a command go through the outbox like any other; the command then
publishes them itself when the broker is reachable (the running service's relay would do
it too: several relays may run at once).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from faststream.rabbit import Channel, RabbitBroker
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from . import db, migrations, telemetry
from .bus import topology
from .bus.channel_publisher import ChannelPublisher
from .outbox import OutboxRelay
from .settings import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass
class OneShot:
    service: str
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


@contextlib.asynccontextmanager
async def service_database(
    service: str, migrations_dir: Path, settings: Settings | None = None
) -> AsyncIterator[OneShot]:
    settings = settings or get_settings()
    # Before any work: spans started by the command (one per ingested record) must be
    # real, so that their context is stored with the events they write.
    telemetry.setup_tracing(service)
    await db.ensure_database(settings, service)
    url = settings.database_url(service)
    await migrations.upgrade_async(migrations_dir, url)
    engine = db.make_engine(url, pool_size=4)
    try:
        yield OneShot(service, settings, engine, db.make_sessions(engine))
    finally:
        await engine.dispose()
        telemetry.shutdown_tracing()


async def publish_pending(shot: OneShot, *, batch_size: int = 1000) -> int:
    """Publish what the command left in the outbox; returns how many events were sent.

    ``batch_size``: outbox rows read (and held in memory) at a time; lower it for large
    events. Raises when the broker cannot be reached: the events stay in the outbox, safe.
    """
    provider = telemetry.setup_tracing(shot.service)
    broker = RabbitBroker(
        shot.settings.amqp_url,
        middlewares=(telemetry.broker_middleware(provider),),
        default_channel=Channel(on_return_raises=True),
        app_id=shot.service,
        # FastStream logs every message at this level: debug, not an operator's warning.
        log_level=logging.DEBUG,
    )
    await broker.connect()
    try:
        await topology.declare(broker, None, shot.settings.retry_delay_ms)
        channel = await ChannelPublisher(shot.settings.amqp_url, app_id=shot.service).connect()
        try:
            relay = OutboxRelay(shot.engine, channel, batch_size=batch_size)
            total = 0
            while published := await relay.drain_once():
                total += published
            return total
        finally:
            await channel.close()
    finally:
        await broker.stop()
