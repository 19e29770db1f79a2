"""One way to build every service: FastAPI app + FastStream broker in its lifespan.

A service declares a :class:`ServiceSpec` (its name, migrations, consumer queue and
handlers, HTTP routers, counters, background loops); :func:`build_app` wires the rest:
database creation and migrations, the broker topology, the outbox relay, telemetry,
``/healthz``, ``/readyz``, ``/stats`` and ``/metrics``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from faststream.rabbit import Channel, RabbitBroker, RabbitRouter
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from . import db, migrations, telemetry
from .bus import topology
from .bus.channel_publisher import ChannelPublisher
from .bus.consumer import EventConsumer, Handler
from .bus.publisher import EventPublisher
from .outbox import OutboxRelay
from .settings import MissingSecret, Settings, get_settings

log = logging.getLogger(__name__)


@dataclass
class ServiceContext:
    """What routes and background loops of a running service use."""

    name: str
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    broker: RabbitBroker
    publisher: EventPublisher
    relay: OutboxRelay


Counters = Callable[[ServiceContext], Awaitable[dict[str, int]]]
Background = Callable[[ServiceContext], Awaitable[None]]


@dataclass
class ServiceSpec:
    name: str
    migrations: Path
    description: str = ""
    consumer_bindings: Sequence[str] = ()
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    routers: Sequence[APIRouter] = ()
    counters: Counters | None = None
    background: Sequence[Background] = ()
    # Extra FastStream routers (e.g. publishers documented for AsyncAPI).
    bus_routers: Sequence[RabbitRouter] = ()
    # Outbox rows the relay reads and holds at a time: lower it for large events (bulk
    # company batches are ~330 kB each).
    relay_batch_size: int = 500
    # Settings that must be set (secrets): checked first, so a missing one fails fast.
    required_secrets: Sequence[str] = ()


class DependencyUnavailable(RuntimeError):
    pass


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}:{parts.port}"
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def build_broker(
    spec: ServiceSpec, settings: Settings
) -> tuple[RabbitBroker, EventConsumer | None]:
    provider = telemetry.setup_tracing(spec.name)
    broker = RabbitBroker(
        settings.amqp_url,
        middlewares=(
            telemetry.broker_middleware(provider),
            RabbitPrometheusMiddleware(registry=REGISTRY, app_name=spec.name),
        ),
        # Every publish is mandatory: an event no queue is bound to raises instead of
        # vanishing. Publisher confirms are FastStream's default.
        default_channel=Channel(prefetch_count=settings.prefetch, on_return_raises=True),
        app_id=spec.name,
        graceful_timeout=20.0,
        # FastStream logs every message at this level: debug, not an operator's warning.
        log_level=logging.DEBUG,
        description=spec.description,
    )
    consumer = None
    if spec.consumer_bindings:
        consumer = EventConsumer(
            topology.ConsumerQueue(spec.name, tuple(spec.consumer_bindings)),
            spec.handlers,
            max_retries=settings.max_retries,
            batch=settings.consumer_batch,
            batch_wait_s=settings.consumer_batch_wait_ms / 1000,
        )
        consumer.attach(broker)
    for router in spec.bus_routers:
        broker.include_router(router)
    return broker, consumer


async def _start_broker(broker: RabbitBroker, spec: ServiceSpec, settings: Settings) -> None:
    try:
        await broker.connect()
    except Exception as exc:
        raise DependencyUnavailable(
            f"{spec.name}: cannot reach RabbitMQ at {redact(settings.amqp_url)}: {exc}"
            " (is the stack up? `chantiers stack up`)"
        ) from exc
    consumer = (
        topology.ConsumerQueue(spec.name, tuple(spec.consumer_bindings))
        if spec.consumer_bindings
        else None
    )
    await topology.declare(broker, consumer, settings.retry_delay_ms)
    await broker.start()


def build_app(spec: ServiceSpec, settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    broker, consumer = build_broker(spec, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for name in spec.required_secrets:
            try:
                settings.secret(name)
            except MissingSecret as exc:
                log.critical("%s: %s", spec.name, exc)
                raise
        url = settings.database_url(spec.name)
        try:
            await db.ensure_database(settings, spec.name)
        except db.DatabaseUnavailable as exc:
            log.critical("%s", exc)
            raise
        await migrations.upgrade_async(spec.migrations, url)
        engine = db.make_engine(url)
        sessions = db.make_sessions(engine)
        if consumer is not None:
            consumer.bind(broker, sessions)
        try:
            await _start_broker(broker, spec, settings)
        except DependencyUnavailable as exc:
            log.critical("%s", exc)
            await engine.dispose()
            raise
        publisher = EventPublisher(broker)
        try:
            channel = await ChannelPublisher(settings.amqp_url, app_id=spec.name).connect()
        except Exception as exc:
            await broker.stop()
            await engine.dispose()
            raise DependencyUnavailable(
                f"{spec.name}: cannot reach RabbitMQ at {redact(settings.amqp_url)}: {exc}"
            ) from exc
        relay = OutboxRelay(
            engine,
            channel,
            listen_dsn=db.asyncpg_dsn(settings, settings.database_name(spec.name)),
            batch_size=spec.relay_batch_size,
        )
        ctx = ServiceContext(spec.name, settings, engine, sessions, broker, publisher, relay)
        app.state.ctx = ctx
        tasks = [asyncio.create_task(relay.run(), name=f"{spec.name}-outbox-relay")]
        tasks += [
            asyncio.create_task(_supervised(loop, ctx), name=f"{spec.name}-{loop.__name__}")
            for loop in spec.background
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await channel.close()
            await broker.stop()
            await engine.dispose()
            telemetry.shutdown_tracing()

    app = FastAPI(title=f"Chantiers agiles — {spec.name}", description=spec.description,
                  lifespan=lifespan)
    app.state.broker = broker
    telemetry.instrument_fastapi(app, telemetry.setup_tracing(spec.name))
    app.include_router(_ops_router(spec))
    for router in spec.routers:
        app.include_router(router)
    return app


async def _supervised(loop: Background, ctx: ServiceContext) -> None:
    """Run a background loop forever; a crash is logged and the loop restarted."""
    while True:
        try:
            await loop(ctx)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s: background loop %s crashed; restarting in 1 s", ctx.name,
                          loop.__name__)
            await asyncio.sleep(1)


def service_context(request: Request) -> ServiceContext:
    """FastAPI dependency: the running service's context."""
    return request.app.state.ctx  # type: ignore[no-any-return]


def _ops_router(spec: ServiceSpec) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Alive: the process answers."""
        return {"status": "alive", "service": spec.name}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        """Ready: the database and the broker are reachable (says which one is not)."""
        ctx: ServiceContext | None = getattr(request.app.state, "ctx", None)
        checks: dict[str, str] = {}
        if ctx is None:
            return JSONResponse({"status": "starting", "checks": checks}, status_code=503)
        try:
            async with asyncio.timeout(2):
                async with ctx.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"down: {type(exc).__name__}: {exc}"[:300]
        checks["broker"] = "ok" if await ctx.broker.ping(timeout=1.0) else (
            f"down: no connection to {redact(ctx.settings.amqp_url)}"
        )
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
        )

    @router.get("/stats")
    async def stats(request: Request) -> dict[str, Any]:
        """Counters for operators and the demo (domain counts and the outbox backlog)."""
        ctx: ServiceContext = request.app.state.ctx
        result: dict[str, Any] = {"service": spec.name, "outbox_pending": await ctx.relay.pending()}
        if spec.counters is not None:
            result.update(await spec.counters(ctx))
        return result

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return router
