"""The platform on the real broker and database: dead letters, retries, idempotency,
unroutable publishes and trace propagation through the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import aio_pika
import pytest
from opentelemetry import trace
from sqlalchemy import func, insert, select

from chantiers_common import outbox
from chantiers_common.bus.batching import Delivered, ManyHandler
from chantiers_common.bus.consumer import PermanentError
from chantiers_common.bus.messages import REASON_HEADER
from chantiers_common.bus.publisher import EventPublisher
from chantiers_common.events import Envelope
from chantiers_common.events.structures import Structure, StructureRegistered
from chantiers_common.service import ServiceContext, build_app
from chantiers_testing.env import IsolatedEnv
from chantiers_testing.probe import probe_spec, seen

pytestmark = pytest.mark.stack

ROUTING_KEY = "structures.structure.registered"


def structure_event(siret: str = "80746931700018") -> StructureRegistered:
    return StructureRegistered(structure=Structure(
        siret=siret, siren=siret[:9], kind="ACI", name="Atelier test", department="93"))


def body_of(payload: StructureRegistered, **override: Any) -> bytes:
    raw = json.loads(Envelope.wrap(payload).model_dump_json())
    raw.update(override)
    return json.dumps(raw).encode()


class Probe:
    """A probe service running in this process, and what its handler saw."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def seen_count(self) -> int:
        async with self.ctx.sessions() as session:
            return await session.scalar(select(func.count()).select_from(seen)) or 0

    async def wait_seen(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while await self.seen_count() < count:
            assert time.monotonic() < deadline, f"probe saw {await self.seen_count()} < {count}"
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def start_probe(env: IsolatedEnv, handler: Any) -> AsyncIterator[Probe]:
    spec = probe_spec("probe", ("structures.structure.*",), {"structure.registered": handler})
    app = build_app(spec, env.settings())
    async with app.router.lifespan_context(app):
        yield Probe(app.state.ctx)


async def record(session: Any, envelope: Envelope[Any]) -> None:
    await session.execute(insert(seen).values(event_id=envelope.id, type=envelope.type))


async def publish(env: IsolatedEnv, body: bytes, message_id: str | None = None) -> None:
    connection = await aio_pika.connect(env.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("chantiers.events")
        await exchange.publish(
            aio_pika.Message(body, message_id=message_id or str(uuid.uuid4()),
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=ROUTING_KEY,
        )


async def dead_letters(env: IsolatedEnv, queue: str, expected: int,
                       timeout: float = 20) -> list[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(env.amqp_url)
    found: list[aio_pika.abc.AbstractIncomingMessage] = []
    async with connection:
        channel = await connection.channel()
        dlq = await channel.declare_queue(f"{queue}.dlq", passive=True)
        deadline = time.monotonic() + timeout
        while len(found) < expected and time.monotonic() < deadline:
            message = await dlq.get(no_ack=True, fail=False)
            if message is None:
                await asyncio.sleep(0.1)
                continue
            found.append(message)
        # Nothing more arrives after what was expected.
        await asyncio.sleep(0.5)
        extra = await dlq.get(no_ack=True, fail=False)
        assert extra is None, f"unexpected dead letter: {extra.headers}"
    return found


async def test_invalid_events_are_dead_lettered_with_reason_and_others_flow(isolated_env):
    async with start_probe(isolated_env, record) as probe:
        await publish(isolated_env, b"this is not json")
        await publish(isolated_env, body_of(structure_event(), version=99))
        bad_siret = json.loads(body_of(structure_event()))
        bad_siret["data"]["structure"]["siret"] = "123"
        await publish(isolated_env, json.dumps(bad_siret).encode())
        await publish(isolated_env, body_of(structure_event()))
        await probe.wait_seen(1)
        letters = await dead_letters(isolated_env, "probe", 3)
    reasons = sorted(str(m.headers[REASON_HEADER]) for m in letters)
    assert any("body is not JSON" in r for r in reasons), reasons
    assert any("structure.registered v99 is not supported" in r for r in reasons), reasons
    assert any("invalid at data.structure.siret" in r for r in reasons), reasons
    assert all(m.headers["x-original-queue"] == "probe" for m in letters)


async def test_transient_failures_are_retried_after_a_delay(isolated_env):
    attempts: list[float] = []

    async def flaky(session: Any, envelope: Envelope[Any]) -> None:
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise RuntimeError("database hiccup")
        await record(session, envelope)

    async with start_probe(isolated_env, flaky) as probe:
        await publish(isolated_env, body_of(structure_event()))
        await probe.wait_seen(1)
        await dead_letters(isolated_env, "probe", 0, timeout=0)
    assert len(attempts) == 3
    # Each retry waited in the TTL queue (300 ms in tests) before coming back.
    assert attempts[1] - attempts[0] >= 0.25 and attempts[2] - attempts[1] >= 0.25


async def test_a_handler_that_always_fails_ends_in_the_dlq_with_its_reason(isolated_env):
    calls = 0

    async def broken(session: Any, envelope: Envelope[Any]) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("boom")

    async with start_probe(isolated_env, broken):
        await publish(isolated_env, body_of(structure_event()))
        letters = await dead_letters(isolated_env, "probe", 1)
    max_retries = isolated_env.settings().max_retries
    assert calls == max_retries + 1
    assert f"failed {max_retries + 1} times, last: RuntimeError: boom" in str(
        letters[0].headers[REASON_HEADER])


async def test_a_permanent_error_is_dead_lettered_at_once(isolated_env):
    calls = 0

    async def refuses(session: Any, envelope: Envelope[Any]) -> None:
        nonlocal calls
        calls += 1
        raise PermanentError("structure unknown to this service")

    async with start_probe(isolated_env, refuses):
        await publish(isolated_env, body_of(structure_event()))
        letters = await dead_letters(isolated_env, "probe", 1)
    assert calls == 1
    assert "rejected: structure unknown" in str(letters[0].headers[REASON_HEADER])


async def test_a_redelivered_event_is_handled_once(isolated_env):
    async with start_probe(isolated_env, record) as probe:
        body = body_of(structure_event())
        for _ in range(3):
            await publish(isolated_env, body)
        await probe.wait_seen(1)
        await asyncio.sleep(1.0)
        assert await probe.seen_count() == 1


async def test_an_unroutable_publish_raises(isolated_env):
    async with start_probe(isolated_env, record) as probe:
        publisher = EventPublisher(probe.ctx.broker)
        with pytest.raises(Exception, match=r"(?i)unroutable|returned|NO_ROUTE"):
            await publisher.publish_raw(body=b"{}", routing_key="nobody.listens.here",
                                        event_id=str(uuid.uuid4()), event_type="x", version=1)


async def test_the_outbox_relay_keeps_the_writer_trace(isolated_env):
    traces: list[str] = []

    async def remember_trace(session: Any, envelope: Envelope[Any]) -> None:
        traces.append(format(trace.get_current_span().get_span_context().trace_id, "032x"))
        await record(session, envelope)

    async with start_probe(isolated_env, remember_trace) as probe:
        tracer = trace.get_tracer("test")
        with tracer.start_as_current_span("writer") as span:
            writer_trace = format(span.get_span_context().trace_id, "032x")
            async with probe.ctx.sessions.begin() as session:
                await outbox.add(session, structure_event(), occurred_at=datetime.now(UTC))
        await probe.wait_seen(1)
        assert await probe.ctx.relay.pending() == 0
    assert traces == [writer_trace]


async def test_events_of_one_trace_are_published_under_one_span(isolated_env):
    """A tender's lead events (one trace, one routing key) are relayed under one publish
    span: their consumers are its children; another trace's event gets its own span."""
    seen_by: dict[str, tuple[str, str]] = {}

    async def remember(session: Any, envelope: Envelope[Any]) -> None:
        span = trace.get_current_span()  # the consumer's span, child of the publish span
        seen_by[envelope.data.structure.siret] = (
            format(span.get_span_context().trace_id, "032x"),
            format(span.parent.span_id, "016x"))  # type: ignore[attr-defined]
        await record(session, envelope)

    async with start_probe(isolated_env, remember) as probe:
        tracer = trace.get_tracer("test")
        async with probe.ctx.sessions.begin() as session:
            with tracer.start_as_current_span("writer"):
                for n in range(1, 4):
                    await outbox.add(session, structure_event(f"{n:014d}"))
            with tracer.start_as_current_span("other writer"):
                await outbox.add(session, structure_event(f"{9:014d}"))
        await probe.wait_seen(4)
    together = {seen_by[f"{n:014d}"] for n in range(1, 4)}
    assert len(together) == 1, seen_by  # one trace, one publish span
    [(trace_id, publish_span)] = together
    other_trace, other_publish = seen_by[f"{9:014d}"]
    assert other_trace != trace_id and other_publish != publish_span


async def test_one_failing_event_in_a_batch_does_not_hold_the_others(isolated_env):
    """Events arriving together share a transaction; when one fails, the batch is rolled
    back and each is handled again on its own: only the failing one is retried."""
    bad_siret = "80746931700018"
    calls: dict[str, int] = {}

    async def picky(session: Any, envelope: Envelope[Any]) -> None:
        siret = envelope.data.structure.siret
        calls[siret] = calls.get(siret, 0) + 1
        if siret == bad_siret:
            raise RuntimeError("this one is broken")
        await record(session, envelope)

    good = [f"{n:014d}" for n in range(1, 20)]
    async with start_probe(isolated_env, picky) as probe:
        bodies = [body_of(structure_event(s)) for s in [*good[:10], bad_siret, *good[10:]]]
        connection = await aio_pika.connect(isolated_env.amqp_url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange("chantiers.events")
            await asyncio.gather(*(exchange.publish(aio_pika.Message(b, delivery_mode=2),
                                                    routing_key=ROUTING_KEY) for b in bodies))
        await probe.wait_seen(len(good))
        letters = await dead_letters(isolated_env, "probe", 1)
        assert await probe.seen_count() == len(good)
    assert "this one is broken" in str(letters[0].headers[REASON_HEADER])
    assert calls[bad_siret] >= isolated_env.settings().max_retries + 1
    # Each good one ran at most twice (in a batch rolled back, then alone) and was
    # recorded once.
    assert all(1 <= calls[s] <= 2 for s in good), calls


async def test_a_handler_of_many_gets_the_events_that_arrive_together(isolated_env):
    """A :class:`ManyHandler` receives consecutive events of a batch at once, each
    with its own message's trace context; when the run fails, each event is handled again
    on its own by the one-event handler, and none is lost or recorded twice."""
    runs: list[int] = []
    failed: list[str] = []
    alone: list[str] = []
    contexts: set[str] = set()

    async def one(session: Any, envelope: Envelope[Any]) -> None:
        alone.append(envelope.data.structure.siret)
        await record(session, envelope)

    async def many(session: Any, run: Sequence[Delivered]) -> None:
        first = not runs  # decided now: batches run concurrently
        runs.append(len(run))
        for delivered in run:
            with delivered.active():
                span = trace.get_current_span().get_span_context()
                contexts.add(format(span.span_id, "016x"))
            await record(session, delivered.envelope)
        if first:
            failed.extend(d.envelope.data.structure.siret for d in run)
            raise RuntimeError("the first run fails: its events go one by one")

    sirets = [f"{n:014d}" for n in range(1, 41)]
    async with start_probe(isolated_env, ManyHandler(one, many)) as probe:
        connection = await aio_pika.connect(isolated_env.amqp_url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange("chantiers.events")
            await asyncio.gather(*(
                exchange.publish(aio_pika.Message(body_of(structure_event(s)), delivery_mode=2),
                                 routing_key=ROUTING_KEY) for s in sirets))
        await probe.wait_seen(len(sirets))
        await asyncio.sleep(0.2)  # nothing more comes
        assert await probe.seen_count() == len(sirets)
    assert max(runs) > 1, runs
    # The failed first run was redone event by event; every event was handled once,
    # in a run or alone (an event with no neighbour goes to the one-event handler).
    assert failed and set(failed) <= set(alone), (failed, alone)
    assert sum(runs[1:]) + len(alone) == len(sirets)
    # Each event given in a run was seen in its own consumer span.
    assert len(contexts) == sum(runs)
