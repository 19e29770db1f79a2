"""The notifications service on the real stack, in this process, with a clock the test
can move: events are published on the test's vhost as another service would, emails are
read from the environment's SMTP sink, events the service publishes are caught by a queue
of the test's own, and the HTTP routes are called through the ASGI app."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from chantiers_common.events import Contract, Envelope
from chantiers_common.events.common_types import AlertMode, LeadKind
from chantiers_common.events.matching import Lead
from chantiers_common.events.structures import Contact
from chantiers_common.service import ServiceContext
from chantiers_testing.env import IsolatedEnv
from notifications.main import create_app
from notifications.options import NotifyOptions

SIRET = "41234567800017"
OTHER_SIRET = "80746931700018"

# Short delays, so that retries and slots happen within a test.
FAST = {
    "sender_idle_s": 0.1,
    "digest_check_s": 0.2,
    "smtp_backoff_base_s": 0.3,
    "smtp_backoff_max_s": 1.0,
    "smtp_timeout_s": 5.0,
    "webhook_idle_s": 0.1,
    "webhook_backoff_base_s": 0.2,
    "webhook_backoff_max_s": 1.0,
    "webhook_timeout_s": 2.0,
}


class FakeClock:
    """The business "now" of the service, moved by the test."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0) if start is None else start - datetime.now(UTC)

    def __call__(self) -> datetime:
        # Time still flows (retries, elapsed seconds), only shifted.
        return datetime.now(UTC) + self._offset

    def set(self, moment: datetime) -> None:
        self._offset = moment - datetime.now(UTC)


def contact(contact_id: str = "c-claire", **overrides: Any) -> Contact:
    values: dict[str, Any] = {
        "id": contact_id, "structure_siret": SIRET, "email": f"{contact_id}@example.org",
        "name": "Claire Martin", "alert_mode": AlertMode.IMMEDIATE, "min_score": 50,
        "alert_score": 80, "consent_at": datetime(2026, 1, 5, tzinfo=UTC),
    }
    values.update(overrides)
    return Contact(**values)


def lead(lead_id: str, now: datetime, **overrides: Any) -> Lead:
    values: dict[str, Any] = {
        "id": lead_id, "version": 1, "kind": LeadKind.TENDER, "structure_siret": SIRET,
        "prospect_ref": f"26-{abs(hash(lead_id)) % 10**6:06d}",
        "title": f"Entretien des espaces verts – {lead_id}",
        "counterpart": "Ville de Chenôve", "sector": "espaces-verts",
        "sectors": ["espaces-verts"], "departments": ["21"], "place": "Chenôve",
        "distance_km": 6.2, "deadline": now + timedelta(days=20),
        "url": "https://www.boamp.fr/pages/avis/?q=idweb:26-112233", "score": 70,
        "reasons": ["Marché réservé aux SIAE", "À 6 km de votre atelier"], "scored_at": now,
    }
    values.update(overrides)
    return Lead(**values)


class BusSpy:
    """A queue of the test's own on ``chantiers.events``: what the service published."""

    def __init__(self, env: IsolatedEnv, patterns: tuple[str, ...]) -> None:
        self.env = env
        self.patterns = patterns
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self.env.amqp_url)
        channel = await self._connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        exchange = await channel.get_exchange("chantiers.events")
        for pattern in self.patterns:
            await queue.bind(exchange, routing_key=pattern)

        async def keep(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                self.seen.append((message.routing_key or "", json.loads(message.body)))

        await queue.consume(keep)

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    def of(self, routing_key: str) -> list[dict[str, Any]]:
        return [body for key, body in self.seen if key == routing_key]

    async def wait_for(self, routing_key: str, count: int = 1,
                       timeout: float = 30) -> list[dict[str, Any]]:
        await until(lambda: len(self.of(routing_key)) >= count, timeout,
                    f"{count} × {routing_key} (seen: {[k for k, _ in self.seen]})")
        return self.of(routing_key)


async def until(predicate: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.1)


class Service:
    """One notifications service and what a test needs around it."""

    def __init__(self, env: IsolatedEnv, app: FastAPI, client: httpx.AsyncClient,
                 clock: FakeClock, bus: BusSpy) -> None:
        self.env = env
        self.app = app
        self.ctx: ServiceContext = app.state.ctx
        self.http = client
        self.clock = clock
        self.bus = bus
        self._publisher: aio_pika.abc.AbstractRobustConnection | None = None

    def http_from(self, address: str) -> httpx.AsyncClient:
        """A client whose requests come from ``address`` (``self.http``: 127.0.0.1)."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app,
                                                               client=(address, 40000)),
                                 base_url="http://notifications")

    async def publish(self, payload: Contract, *, event_id: uuid.UUID | None = None,
                      occurred_at: datetime | None = None) -> Envelope[Any]:
        """Publish as the producing service would (plain AMQP, confirmed)."""
        envelope = Envelope.wrap(payload, event_id=event_id, occurred_at=occurred_at)
        await self.publish_raw(envelope.model_dump_json().encode(), envelope.routing_key,
                               str(envelope.id), envelope.type)
        return envelope

    async def publish_handled(self, payload: Contract) -> Envelope[Any]:
        """Publish and wait until the service has handled it. The consumer handles the
        events it holds concurrently, so an event published next (a lead after a
        contact's new address) may otherwise be decided first."""
        envelope = await self.publish(payload)
        await self.consumed(envelope.id)
        return envelope

    async def publish_raw(self, body: bytes, routing_key: str, message_id: str,
                          event_type: str) -> None:
        if self._publisher is None:
            self._publisher = await aio_pika.connect_robust(self.env.amqp_url)
        channel = await self._publisher.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("chantiers.events")
        await exchange.publish(
            aio_pika.Message(body, message_id=message_id, type=event_type,
                             content_type="application/json",
                             headers={"x-schema-version": 1},
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=routing_key, mandatory=True)
        await channel.close()

    def emails(self) -> list[EmailMessage]:
        return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in self.env.emails()]  # type: ignore[misc]

    async def wait_emails(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        await until(lambda: len(self.env.emails()) >= count, timeout, f"{count} email(s)")
        return self.emails()

    async def until(self, predicate: Callable[[], Any], timeout: float = 30,
                    what: str = "") -> Any:
        return await until(predicate, timeout, what)

    async def settle(self, seconds: float = 1.5) -> None:
        """Give the service time to do what it should not (a second email…)."""
        await asyncio.sleep(seconds)

    async def sql(self, query: str, **params: Any) -> list[Any]:
        async with self.ctx.sessions() as session:
            return list((await session.execute(text(query), params)).all())

    async def consumed(self, event_id: uuid.UUID, timeout: float = 30) -> None:
        """Wait until the service's consumer has handled this event (its inbox has it)."""
        await until(lambda: self.sql("SELECT 1 FROM inbox WHERE event_id = :id", id=event_id),
                    timeout, f"event {event_id} handled")

    async def close(self) -> None:
        if self._publisher is not None:
            await self._publisher.close()


@pytest.fixture
def fake_clock() -> type[FakeClock]:
    return FakeClock


@pytest.fixture
def new_contact() -> Callable[..., Contact]:
    return contact


@pytest.fixture
def new_lead() -> Callable[..., Lead]:
    return lead


@pytest.fixture
def start_service(isolated_env: IsolatedEnv) -> Callable[..., Any]:
    """``async with start_service(clock=…, **options) as service:``"""

    @contextlib.asynccontextmanager
    async def start(clock: FakeClock | None = None, bus_patterns: tuple[str, ...] = (
            "notifications.#",), **options: Any) -> AsyncIterator[Service]:
        clock = clock or FakeClock()
        app = create_app(isolated_env.settings(), clock=clock,
                         options=NotifyOptions(**{**FAST, **options}))
        async with app.router.lifespan_context(app):
            bus = BusSpy(isolated_env, bus_patterns)
            await bus.start()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport,
                                         base_url="http://notifications") as client:
                service = Service(isolated_env, app, client, clock, bus)
                try:
                    yield service
                finally:
                    await service.close()
                    await bus.stop()

    return start
