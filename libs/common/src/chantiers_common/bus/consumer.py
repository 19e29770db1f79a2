"""Consuming events: validation, idempotent handling, retries and dead letters.

Each service has one queue (see :mod:`.topology`) and one :class:`EventConsumer` that
dispatches envelopes to handlers by event type. A handler runs inside a database
transaction that also records the event id in the service's inbox, so that a redelivered
event changes nothing (see :mod:`chantiers_common.inbox`); events that arrive together
share that transaction (see :mod:`.batching`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from faststream.rabbit import RabbitBroker, RabbitMessage, RabbitRouter
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..events import InvalidEvent, UnknownEvent, parse_envelope
from .batching import Handler, TransactionBatcher
from .messages import (
    ORIGINAL_QUEUE_HEADER,
    ORIGINAL_ROUTING_KEY_HEADER,
    REASON_HEADER,
    death_count,
)
from .topology import ConsumerQueue, dlq_exchange

log = logging.getLogger(__name__)


EVENTS_HANDLED = Counter(
    "chantiers_events_handled_total", "Events handled by a consumer", ["queue", "type", "outcome"]
)
DEAD_LETTERS = Counter(
    "chantiers_dead_letters_total", "Messages moved to a dead-letter queue", ["queue", "cause"]
)


class PermanentError(Exception):
    """The event can never be handled (retrying would not help): dead-letter it now."""


class EventConsumer:
    def __init__(
        self,
        queue: ConsumerQueue,
        handlers: Mapping[str, Handler],
        *,
        max_retries: int = 3,
        batch: int = 64,
        batch_wait_s: float = 0.002,
    ) -> None:
        self.queue = queue
        self.handlers = dict(handlers)
        self._max_retries = max_retries
        self._broker: RabbitBroker | None = None
        self._batch = batch
        self._batch_wait_s = batch_wait_s
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._batcher: TransactionBatcher | None = None

    def attach(self, router: RabbitRouter | RabbitBroker) -> None:
        """Register the subscriber (the queue itself is declared by the topology)."""

        async def raw_body(msg: Any) -> bytes:
            # The body is decoded by us, against the contract named in the envelope.
            return bytes(msg.body)

        subscriber = router.subscriber(
            self.queue.queue(declare=False),
            decoder=raw_body,
            ack_policy=_manual(),
            no_reply=True,
            title=f"{self.queue.name}",
            description=f"Events consumed by {self.queue.name}: "
            + ", ".join(sorted(self.handlers)),
        )
        subscriber(self._on_message)

    def bind(self, broker: RabbitBroker, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Give the consumer its broker (for dead letters) and database, before it starts."""
        self._broker = broker
        self._sessions = sessions  # for subclasses that handle outside the batcher
        self._batcher = TransactionBatcher(sessions, max_batch=self._batch,
                                           wait_s=self._batch_wait_s)

    async def _on_message(self, body: bytes, message: RabbitMessage) -> None:
        raw = message.raw_message
        headers = dict(raw.headers or {})
        try:
            envelope = parse_envelope(body)
        except (InvalidEvent, UnknownEvent) as exc:
            await self._dead_letter(message, body, headers, f"invalid event: {exc}", "invalid")
            return
        handler = self.handlers.get(envelope.type)
        if handler is None:
            # Bound by a wider pattern than what this service handles: nothing to do.
            EVENTS_HANDLED.labels(self.queue.name, envelope.type, "ignored").inc()
            await message.ack()
            return
        assert self._batcher is not None, "bind() was not called"
        try:
            outcome = await self._batcher.handle(envelope, handler)
        except asyncio.CancelledError:
            # Shutting down: leave the message unacked; RabbitMQ redelivers it.
            raise
        except PermanentError as exc:
            await self._dead_letter(message, body, headers, f"rejected: {exc}", "permanent")
            return
        except Exception as exc:
            await self._failed(message, body, headers, envelope.type, exc)
            return
        EVENTS_HANDLED.labels(self.queue.name, envelope.type, outcome).inc()
        await message.ack()

    async def _failed(self, message: RabbitMessage, body: bytes, headers: dict[str, Any],
                      event_type: str, exc: Exception) -> None:
        """A handler failed: retry after a delay, or dead-letter once retries are spent."""
        attempts = death_count(headers, self.queue.name) + 1
        if attempts > self._max_retries:
            reason = f"failed {attempts} times, last: {type(exc).__name__}: {exc}"
            await self._dead_letter(message, body, headers, reason, "exhausted")
            return
        log.warning("%s: %s failed (attempt %d/%d), retrying later: %s",
                    self.queue.name, event_type, attempts, self._max_retries, exc)
        EVENTS_HANDLED.labels(self.queue.name, event_type, "retried").inc()
        await message.reject(requeue=False)  # → <queue>.retry → back after a delay

    async def _dead_letter(
        self,
        message: RabbitMessage,
        body: bytes,
        headers: dict[str, Any],
        reason: str,
        cause: str,
    ) -> None:
        assert self._broker is not None, "bind_broker() was not called"
        raw = message.raw_message
        log.error("%s: dead-lettering message %s: %s", self.queue.name, raw.message_id, reason)
        await self._broker.publish(
            body,
            exchange=dlq_exchange(),
            routing_key=self.queue.name,
            persist=True,
            mandatory=True,
            message_id=raw.message_id,
            message_type=raw.type,
            content_type=raw.content_type,
            headers={
                **{k: v for k, v in headers.items() if k != "x-death"},
                REASON_HEADER: reason[:1000],
                ORIGINAL_QUEUE_HEADER: self.queue.name,
                ORIGINAL_ROUTING_KEY_HEADER: raw.routing_key or "",
            },
        )
        DEAD_LETTERS.labels(self.queue.name, cause).inc()
        # Acked only once the dead-letter copy is confirmed: at worst it exists twice.
        await message.ack()


def _manual() -> Any:
    from faststream import AckPolicy

    return AckPolicy.MANUAL
