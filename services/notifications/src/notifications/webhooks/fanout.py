"""The webhook consumer: every public event becomes one delivery row per subscription
whose pattern matches it, in the same transaction as the inbox claim (a redelivered event
adds nothing). Sending is the delivery loop's job, so a slow receiver never holds the
queue.

It has its own queue (``notifications.webhooks``), bound to the subscriptions' patterns,
so that a burst of events for subscribers never delays the emails of the main queue.
Internal contracts (contacts: personal data) are never forwarded, whatever the pattern.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from faststream.rabbit import RabbitMessage
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common.bus import topology
from chantiers_common.bus.consumer import EventConsumer
from chantiers_common.events import Envelope, InvalidEvent, UnknownEvent, parse_envelope
from chantiers_common.service import ServiceContext

from ..db import subscriptions, webhook_deliveries
from .domain import topic_matches

log = logging.getLogger(__name__)

QUEUE = "notifications.webhooks"


async def fan_out(session: AsyncSession, envelope: Envelope[Any]) -> None:
    if type(envelope.data).internal:
        return  # never leaves the system (bound by mistake, or a wider pattern)
    routing_key = envelope.routing_key
    # Paused subscriptions keep receiving rows: what happened during the pause is
    # delivered, in order, when an operator resumes them.
    subs = (await session.execute(select(subscriptions.c.id, subscriptions.c.pattern))).all()
    rows = [
        {"id": uuid.uuid4(), "subscription_id": sub.id, "event_id": envelope.id,
         "event_type": envelope.type, "routing_key": routing_key,
         "body": envelope.model_dump_json()}
        for sub in subs if topic_matches(sub.pattern, routing_key)
    ]
    if rows:
        await session.execute(
            insert(webhook_deliveries).on_conflict_do_nothing(
                constraint="webhook_deliveries_once"), rows)


class FanOutConsumer(EventConsumer):
    """The platform's consumer (validation, retries, dead letters) without the inbox claim.

    The service's inbox is keyed by event id and shared by its consumers: if this one
    claimed an event there, the email consumer would then skip the same event as a
    duplicate (and the other way round). The fan-out needs no inbox: its rows are unique
    per (subscription, event), so a redelivered event adds nothing.
    """

    async def _on_message(self, body: bytes, message: RabbitMessage) -> None:
        headers = dict(message.raw_message.headers or {})
        try:
            envelope = parse_envelope(body)
        except (InvalidEvent, UnknownEvent) as exc:
            await self._dead_letter(message, body, headers, f"invalid event: {exc}", "invalid")
            return
        assert self._sessions is not None, "bind() was not called"
        try:
            async with self._sessions.begin() as session:
                await fan_out(session, envelope)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._failed(message, body, headers, envelope.type, exc)
            return
        await message.ack()


async def bind(ctx: ServiceContext, patterns: list[str]) -> topology.ConsumerQueue:
    """Declare the fan-out queue (idempotent) bound to these topic patterns.

    The queue is bound to the subscriptions' own patterns, not to every public event:
    with no subscriber, no event comes this way at all (10,000 ``digest.sent`` in a
    morning would otherwise be consumed here for nothing). Called when a subscription is
    created, before it is stored, so that no event published after that can miss the
    queue, even on the service's very first start while this task is still starting.
    """
    queue = topology.ConsumerQueue(QUEUE, tuple(patterns))
    await topology.declare(ctx.broker, queue, ctx.settings.retry_delay_ms)
    return queue


async def unbind_unused(ctx: ServiceContext, pattern: str) -> None:
    """Remove a pattern's binding once no subscription uses it (a crash before this only
    leaves a binding whose events are dropped by :func:`fan_out`)."""
    async with ctx.sessions() as session:
        used = (await session.execute(select(subscriptions.c.id)
                                      .where(subscriptions.c.pattern == pattern))).first()
    if used is None:
        exchange = await ctx.broker.declare_exchange(topology.events_exchange())
        queue = await ctx.broker.declare_queue(topology.ConsumerQueue(QUEUE, ()).queue())
        await queue.unbind(exchange, routing_key=pattern)


async def _patterns(ctx: ServiceContext) -> list[str]:
    async with ctx.sessions() as session:
        return sorted(set((await session.execute(select(subscriptions.c.pattern))).scalars()))


async def webhook_consumer(ctx: ServiceContext) -> None:
    """Background task: declare the queue, subscribe, and consume until the service stops.

    The platform gives each service one consumer queue (its ``ServiceSpec``); this second
    one is added to the running broker with the same topology (quorum queue, delayed
    retries, dead-letter queue).
    """
    queue = await bind(ctx, await _patterns(ctx))
    consumer = FanOutConsumer(queue, {}, max_retries=ctx.settings.max_retries)
    consumer.bind(ctx.broker, ctx.sessions)
    before = set(map(id, ctx.broker.subscribers))
    consumer.attach(ctx.broker)
    added = [s for s in ctx.broker.subscribers if id(s) not in before]
    for subscriber in added:
        await subscriber.start()
    try:
        await asyncio.Event().wait()  # until the service stops (cancelled)
    finally:
        for subscriber in added:
            await subscriber.stop()
