"""Fixtures for matching on the real stack: the service as a real process (`chantiers run
matching`) on an isolated vhost and database, a producer that publishes events as the
other services do, and a tap on ``matching.lead.*`` that sees the lead events."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import httpx
import pytest

from chantiers_common.bus.messages import message_properties
from chantiers_common.events import Contract, Envelope, parse_envelope
from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.prospects import Buyer, Company, Tender
from chantiers_common.events.structures import (
    Activity,
    ActivityAdded,
    Area,
    AreaKind,
    Structure,
    StructureRegistered,
)
from chantiers_testing.env import IsolatedEnv
from chantiers_testing.services import ServiceProcess
from matching.sample_catalog import fake_siret

GREEN = "creation-et-entretien-des-espaces-verts"

# Fast loops for the tests: the deadline sweep every second.
FAST = {"CHANTIERS_MATCHING_SWEEP_INTERVAL_S": "1", "CHANTIERS_MATCHING_BACKFILL_POLL_S": "0.2"}


class Producer:
    """Publishes envelopes on the environment's vhost, persistent and confirmed."""

    def __init__(self, env: IsolatedEnv) -> None:
        self.env = env
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None

    async def __aenter__(self) -> Producer:
        self._connection = await aio_pika.connect_robust(self.env.amqp_url)
        channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await channel.get_exchange("chantiers.events")
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._connection is not None
        await self._connection.close()

    async def publish(self, payload: Contract, *, occurred_at: datetime | None = None,
                      producer: str | None = None,
                      event_id: uuid.UUID | None = None,
                      headers: dict[str, str] | None = None) -> Envelope[Any]:
        """``event_id``: an event published before, delivered again (a redelivery);
        ``headers``: more message headers (a ``traceparent``, as a relay sets it)."""
        envelope = Envelope.wrap(payload, occurred_at=occurred_at, producer=producer,
                                 event_id=event_id)
        props = message_properties(event_id=str(envelope.id), event_type=envelope.type,
                                   version=envelope.version)
        await self._exchange.publish(
            aio_pika.Message(envelope.model_dump_json().encode(),
                             message_id=props["message_id"], type=props["message_type"],
                             content_type=props["content_type"],
                             headers={**props["headers"], **(headers or {})},
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=envelope.routing_key, mandatory=True)
        return envelope


class LeadTap:
    """Every lead event matching publishes, parsed with the contracts."""

    def __init__(self, env: IsolatedEnv) -> None:
        self.env = env
        self.events: list[Envelope[Any]] = []
        # The trace id of each event's message (its ``traceparent`` header), by event id.
        self.trace_ids: dict[uuid.UUID, str] = {}

    async def __aenter__(self) -> LeadTap:
        self._connection = await aio_pika.connect_robust(self.env.amqp_url)
        channel = await self._connection.channel()
        exchange = await channel.declare_exchange("chantiers.events", "topic", durable=True)
        queue = await channel.declare_queue(f"tap-{uuid.uuid4().hex[:8]}", exclusive=True)
        await queue.bind(exchange, "matching.lead.*")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                envelope = parse_envelope(message.body)
                parent = str((message.headers or {}).get("traceparent", "--"))
                self.trace_ids[envelope.id] = parent.split("-")[1]
                self.events.append(envelope)

        await queue.consume(on_message)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._connection.close()

    def of(self, lead_id: str) -> list[Envelope[Any]]:
        return [e for e in self.events if e.data.lead.id == lead_id]

    def about(self, prospect_ref: str, siret: str | None = None) -> list[Envelope[Any]]:
        """Events on one prospect (for one structure: the module's structures are many)."""
        return [e for e in self.events if e.data.lead.prospect_ref == prospect_ref
                and (siret is None or e.data.lead.structure_siret == siret)]

    async def wait(self, predicate: Any, timeout: float = 30, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = predicate()
            if found:
                return found
            if time.monotonic() > deadline:
                types = [(e.type, e.data.lead.prospect_ref) for e in self.events][-20:]
                raise AssertionError(f"timed out waiting for {what or predicate}; last {types}")
            await asyncio.sleep(0.1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Api:
    """Matching's HTTP API, called with the admin token unless told otherwise."""

    def __init__(self, url: str, admin_token: str) -> None:
        self.url = url
        self.admin = bearer(admin_token)

    async def get(self, path: str, *, headers: dict[str, str] | None = None,
                  **params: Any) -> httpx.Response:
        """``headers``: ``{}`` for no token at all, ``bearer(token)`` for another one."""
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            return await client.get(path, params=params,
                                    headers=self.admin if headers is None else headers)

    async def json(self, path: str, **params: Any) -> Any:
        response = await self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    async def stats(self) -> dict[str, int]:
        return await self.json("/stats")  # type: ignore[no-any-return]

    async def settle(self, timeout: float = 30, **at_least: int) -> None:
        """Until the counters of ``/stats`` reach ``at_least`` (the events were handled),
        then no backfill is pending and the outbox is empty, twice in a row."""
        deadline, quiet = time.monotonic() + timeout, 0
        while quiet < 2:
            stats = await self.stats()
            reached = all(stats[key] >= value for key, value in at_least.items())
            idle = not stats["pending_backfills"] and not stats["outbox_pending"]
            quiet = quiet + 1 if reached and idle else 0
            assert time.monotonic() < deadline, f"matching still busy: {stats}"
            await asyncio.sleep(0.3)

    async def registered(self, producer: Producer, structure: Structure,
                         *activities: Activity) -> None:
        """Publish a structure and its activities; return once they are handled and
        backfilled."""
        before = await self.stats()
        await producer.publish(StructureRegistered(structure=structure))
        for activity in activities:
            await producer.publish(ActivityAdded(activity=activity))
        await self.settle(structures=before["structures"] + 1,
                          activities=before["activities"] + len(activities))


@pytest.fixture(scope="module")
def matching(module_env: IsolatedEnv) -> Iterator[ServiceProcess]:
    proc = ServiceProcess(module_env, "matching", extra_env=FAST).start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def producer(module_env: IsolatedEnv, matching: ServiceProcess) -> AsyncIterator[Producer]:
    async with Producer(module_env) as p:
        yield p


@pytest.fixture
async def tap(module_env: IsolatedEnv, matching: ServiceProcess) -> AsyncIterator[LeadTap]:
    async with LeadTap(module_env) as t:
        yield t


@pytest.fixture
def api(module_env: IsolatedEnv, matching: ServiceProcess) -> Api:
    return Api(matching.url, module_env.admin_token)


class Make:
    """Events as the other services write them, with unique identifiers per call."""

    def __init__(self) -> None:
        self._rng = random.Random()

    def siret(self) -> str:
        return fake_siret(self._rng)

    def idweb(self) -> str:
        return f"T{uuid.uuid4().hex[:10]}"

    def structure(self, *, lat: float = 45.76, lon: float = 4.84, department: str = "69",
                  **fields: Any) -> Structure:
        siret = fields.pop("siret", None) or self.siret()
        return Structure(siret=siret, siren=siret[:9], kind=fields.pop("kind", "ACI"),
                         name=fields.pop("name", f"Atelier {siret}"), department=department,
                         location=GeoPoint(lat=lat, lon=lon), **fields)

    def activity(self, structure: Structure, sector: str = GREEN, *, radius_km: float = 30,
                 **fields: Any) -> Activity:
        area = fields.pop("area", None) or Area(kind=AreaKind.RADIUS, radius_km=radius_km)
        return Activity(id=fields.pop("id", None) or f"act-{uuid.uuid4().hex[:10]}",
                        structure_siret=structure.siret, sector=sector, area=area,
                        structure_location=structure.location,
                        structure_department=structure.department, structure_kind=structure.kind,
                        **fields)

    def tender(self, *, title: str = "Entretien des espaces verts de la commune",
               lat: float = 45.77, lon: float = 4.88, department: str = "69",
               days: float = 20, **fields: Any) -> Tender:
        located = fields.pop("located", True)
        return Tender(
            idweb=fields.pop("idweb", None) or self.idweb(),
            nature=fields.pop("nature", "APPEL_OFFRE"), title=title,
            buyer=fields.pop("buyer", None) or Buyer(name="Commune de Villeurbanne",
                                                     siret="21690266800013"),
            departments=[department] if located else [],
            location=GeoPoint(lat=lat, lon=lon) if located else None,
            deadline=datetime.now(UTC) + timedelta(days=days),
            published_on=datetime.now(UTC).date(), market_types=["SERVICES"], **fields)

    def company(self, *, naf: str = "68.20A", lat: float = 45.75, lon: float = 4.85,
                department: str = "69", **fields: Any) -> Company:
        siret = fields.pop("siret", None) or self.siret()
        return Company(siret=siret, siren=siret[:9], name=fields.pop("name", f"Société {siret}"),
                       naf=naf, department=department, location=GeoPoint(lat=lat, lon=lon),
                       commune_insee=fields.pop("commune_insee", "69266"),
                       post_code=fields.pop("post_code", "69100"), **fields)


@pytest.fixture
def make() -> Make:
    return Make()
