"""Transactional outbox: state and outgoing events commit together; a relay publishes.

Writers call :func:`add` (or :func:`add_many`) with the same session as their state
change. The trace context of the writer is stored with each row so that the consumers of
the event join the writer's trace, even though the relay publishes it later from another
task (or another replica).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import asyncpg
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from prometheus_client import Counter, Gauge
from sqlalchemy import MetaData, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from .bus.publisher import RawPublisher
from .events import Contract, Envelope
from .tables import outbox_table

log = logging.getLogger(__name__)

# A table object for queries only; each service creates the real table in its migrations.
_outbox = outbox_table(MetaData())

_tracer = trace.get_tracer("chantiers.outbox")

PUBLISHED = Counter("chantiers_outbox_published_total", "Events published by the relay", ["type"])
PENDING = Gauge("chantiers_outbox_pending", "Events written but not yet published")


def _row(
    payload: Contract, occurred_at: datetime | None, headers: dict[str, str],
    producer: str | None = None,
) -> dict[str, Any]:
    envelope = Envelope.wrap(payload, occurred_at=occurred_at, producer=producer)
    return {
        "event_id": envelope.id,
        "event_type": envelope.type,
        "version": envelope.version,
        "routing_key": envelope.routing_key,
        "body": envelope.model_dump_json(),
        "headers": headers,
    }


def current_trace_headers() -> dict[str, str]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


async def add(
    session: AsyncSession, payload: Contract, *, occurred_at: datetime | None = None,
    producer: str | None = None,
) -> uuid.UUID:
    """Queue one event in the caller's transaction; returns its event id. ``producer``
    names the publishing service when it is not the contract's owner."""
    row = _row(payload, occurred_at, current_trace_headers(), producer)
    await session.execute(insert(_outbox), [row])
    return row["event_id"]


async def add_many(
    session: AsyncSession,
    payloads: Iterable[Contract],
    *,
    headers: Sequence[dict[str, str]] | None = None,
) -> int:
    """Queue many events in one statement (bulk imports); optional per-event trace headers."""
    rows = []
    default = current_trace_headers()
    for i, payload in enumerate(payloads):
        rows.append(_row(payload, None, headers[i] if headers is not None else default))
    if rows:
        await session.execute(insert(_outbox), rows)
    return len(rows)



class OutboxRelay:
    """Publishes pending outbox rows in order, with confirms, then marks them published.

    At-least-once: a crash between the broker's confirm and the commit publishes a row
    again; consumers drop the duplicate through their inbox. Several replicas can run a
    relay at once (``FOR UPDATE SKIP LOCKED``).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        publisher: RawPublisher,
        *,
        listen_dsn: str | None = None,
        batch_size: int = 500,
        idle_poll_s: float = 1.0,
    ) -> None:
        self._engine = engine
        self._publisher = publisher
        self._listen_dsn = listen_dsn
        self._batch_size = batch_size
        self._idle_poll_s = idle_poll_s
        self._wake = asyncio.Event()

    async def pending(self) -> int:
        with suppress_instrumentation():
            async with self._engine.connect() as conn:
                count = await conn.scalar(
                    select(func.count()).select_from(_outbox).where(_outbox.c.published_at.is_(None))
                )
        PENDING.set(count or 0)
        return int(count or 0)

    async def drain_once(self) -> int:
        """Publish one batch; returns how many rows were published."""
        with suppress_instrumentation():
            async with self._engine.begin() as conn:
                rows = (
                    await conn.execute(
                        select(_outbox)
                        .where(_outbox.c.published_at.is_(None))
                        .order_by(_outbox.c.seq)
                        .limit(self._batch_size)
                        .with_for_update(skip_locked=True)
                    )
                ).all()
                if not rows:
                    return 0
                await asyncio.gather(*(self._publish(group) for group in _by_trace(rows)))
                await conn.execute(
                    update(_outbox)
                    .where(_outbox.c.seq.in_([row.seq for row in rows]))
                    .values(published_at=func.now())
                )
        return len(rows)

    async def _publish(self, rows: Sequence[Any]) -> None:
        """Rows of one trace and routing key (a tender's leads): one publish span for them.

        The writer's trace context travels with the events: the consumers' spans belong to
        the trace of whatever wrote them. The span is recorded only for sampled traces, and
        once per group rather than per message: it cost more than the publish itself, and
        a tender's three lead events are one step of its trace.
        """
        first = rows[0]
        parent = propagate.extract(dict(first.headers or {}))
        if trace.get_current_span(parent).get_span_context().trace_flags.sampled:
            attributes: dict[str, Any] = {"messaging.system": "rabbitmq",
                                          "messaging.destination.name": first.routing_key}
            if len(rows) == 1:
                attributes["messaging.message.id"] = str(first.event_id)
            else:
                attributes["messaging.batch.message_count"] = len(rows)
            with _tracer.start_as_current_span(
                f"{first.routing_key} publish", context=parent, kind=trace.SpanKind.PRODUCER,
                attributes=attributes,
            ):
                headers = {}
                propagate.inject(headers)
                await asyncio.gather(*(self._send(row, headers) for row in rows))
        else:
            await asyncio.gather(*(self._send(row, dict(row.headers or {})) for row in rows))
        for row in rows:
            PUBLISHED.labels(row.event_type).inc()

    async def _send(self, row: Any, headers: dict[str, str]) -> None:
        await self._publisher.publish_raw(
            body=row.body,
            routing_key=row.routing_key,
            event_id=str(row.event_id),
            event_type=row.event_type,
            version=row.version,
            headers=headers,
        )

    async def run(self) -> None:
        """Run until cancelled: drain, then wait for a NOTIFY or the idle poll."""
        listener = await self._listen()
        backoff = 0.5
        gauge_at = 0.0
        try:
            while True:
                self._wake.clear()
                if time.monotonic() - gauge_at > 5:
                    # The backlog gauge for the dashboard, refreshed every few seconds.
                    gauge_at = time.monotonic()
                    with contextlib.suppress(Exception):
                        await self.pending()
                try:
                    published = await self.drain_once()
                    backoff = 0.5
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # Broker or database unavailable: keep the rows, try again later.
                    log.warning(
                        "outbox relay: publish failed (%s), retrying in %.1fs", exc, backoff
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                if published == self._batch_size:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle_poll_s)
        finally:
            if listener is not None:
                await listener.close()

    async def _listen(self) -> asyncpg.Connection | None:
        if not self._listen_dsn:
            return None
        try:
            conn = await asyncpg.connect(self._listen_dsn)
            await conn.add_listener("outbox", lambda *_: self._wake.set())
            return conn
        except Exception as exc:  # polling still works without notifications
            log.warning("outbox relay: LISTEN unavailable (%s); polling only", exc)
            return None

    def wake(self) -> None:
        self._wake.set()


def _by_trace(rows: Sequence[Any]) -> list[list[Any]]:
    """Rows grouped by trace context and routing key, in the order of their first row."""
    groups: dict[tuple[str | None, str], list[Any]] = {}
    for row in rows:
        parent = (row.headers or {}).get("traceparent")
        groups.setdefault((parent, row.routing_key), []).append(row)
    return list(groups.values())
