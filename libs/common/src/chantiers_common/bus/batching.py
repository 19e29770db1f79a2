"""Handling the events that arrive together in one database transaction.

A consumer receives up to ``prefetch`` messages at once, each in its own task. Giving each
its own transaction (begin, inbox claim, handler, commit) spent most of a service's time
on the transaction rather than on the work. The batcher gathers the events that arrive
within a couple of milliseconds (up to ``max_batch``), claims their ids in the inbox with
one statement, runs their handlers one after the other in one transaction, and commits
once; each message is acknowledged only after that commit.

If anything in a batch fails, the batch is rolled back and every event of it is handled
again on its own, so that only the one that fails is retried or dead-lettered. Each
handler runs in its own message's trace context (the consumer span of that message).

A handler may also take a run of its events at once (:class:`ManyHandler`):
consecutive events of a batch for the same handler are then given to it together, so
that it can write them with one statement instead of one round trip each. It still runs
each event's own work in that event's trace context (:meth:`Delivered.active`); on its
own (a retry), an event goes to the one-event handler. Work done once for the whole run
(one statement) is shown in every event's trace by :func:`shared_span`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .. import inbox
from ..events import Envelope

Handler = Callable[[AsyncSession, Envelope[Any]], Awaitable[None]]


@dataclass(frozen=True)
class Delivered:
    """One event of a run given to a :class:`ManyHandler`, with its message's trace
    context."""

    envelope: Envelope[Any]
    context: otel_context.Context

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """This event's trace context, for the work (and the outbox rows) of this event."""
        token = otel_context.attach(self.context)
        try:
            yield
        finally:
            otel_context.detach(token)


@contextlib.contextmanager
def shared_span(run: Sequence[Delivered], name: str, attributes: dict[str, Any],
                tracer: trace.Tracer | None = None) -> Iterator[None]:
    """A span for work done once for a whole run (one statement for all its events).

    A span can have one parent only: the work runs in a span of the first event's trace
    (which also holds the spans the work makes, e.g. asyncpg's), and each other event's
    trace gets a span with the same times, linked to it. An operator following any one
    event sees the shared write, how long it took and for how many events. On failure
    only the first trace shows it: the events are then handled again, each on its own.
    """
    if len(run) == 1:  # nothing shared: the work's own spans are in the event's trace
        with run[0].active():
            yield
        return
    tracer = tracer or trace.get_tracer(__name__)
    attributes = {**attributes, "batch.size": len(run)}
    start = time.time_ns()
    with run[0].active(), tracer.start_as_current_span(name, attributes=attributes,
                                                       start_time=start) as span:
        yield
    end = getattr(span, "end_time", None) or time.time_ns()  # None when not recording
    link = trace.Link(span.get_span_context())
    for delivered in run[1:]:
        tracer.start_span(name, context=delivered.context, attributes=attributes,
                          links=[link], start_time=start).end(end_time=end)


ManyHandle = Callable[[AsyncSession, Sequence[Delivered]], Awaitable[None]]


@dataclass(frozen=True)
class ManyHandler:
    """A handler that also takes consecutive events of a batch at once."""

    one: Handler
    many: ManyHandle

    async def __call__(self, session: AsyncSession, envelope: Envelope[Any]) -> None:
        await self.one(session, envelope)


@dataclass
class _Item:
    envelope: Envelope[Any]
    handler: Handler
    context: otel_context.Context = field(default_factory=otel_context.get_current)
    done: asyncio.Future[str] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())


class TransactionBatcher:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, max_batch: int = 64,
                 wait_s: float = 0.002) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._wait_s = wait_s
        self._items: list[_Item] = []
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle(self, envelope: Envelope[Any], handler: Handler) -> str:
        """``"handled"`` or ``"duplicate"`` once committed; raises what the handler raised
        when the event, handled on its own, fails."""
        item = _Item(envelope, handler)
        if self._max_batch <= 1:
            return await self._alone(item)
        self._items.append(item)
        if len(self._items) >= self._max_batch:
            self._flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._wait_s, self._flush)
        return await item.done

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._items = self._items, []
        if batch:
            task = asyncio.create_task(self._run(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, batch: list[_Item]) -> None:
        try:
            results = await self._together(batch)
        except asyncio.CancelledError:
            for item in batch:
                item.done.cancel()
            raise
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0], error=exc)
                return
            # Someone in the batch failed: each on its own, so that only it is retried.
            for item in batch:
                try:
                    _settle(item, result=await self._alone(item))
                except Exception as exc:
                    _settle(item, error=exc)
            return
        for item, result in zip(batch, results, strict=True):
            _settle(item, result=result)

    async def _together(self, batch: list[_Item]) -> list[str]:
        async with self._sessions.begin() as session:
            fresh = await inbox.claim_many(
                session, [(item.envelope.id, item.envelope.type) for item in batch])
            results, run = [], []
            for item in batch:
                if item.envelope.id not in fresh:
                    results.append("duplicate")
                    continue
                fresh.discard(item.envelope.id)  # the same event twice in one batch
                results.append("handled")
                if run and run[-1].handler is not item.handler:
                    await _call_run(run, session)
                    run = []
                run.append(item)
            if run:
                await _call_run(run, session)
        return results

    async def _alone(self, item: _Item) -> str:
        async with self._sessions.begin() as session:
            if not await inbox.claim(session, item.envelope.id, item.envelope.type):
                return "duplicate"
            await _call(item, session)
        return "handled"


async def _call_run(run: list[_Item], session: AsyncSession) -> None:
    """Events in a row for the same handler: together if it takes several at once."""
    handler = run[0].handler
    if isinstance(handler, ManyHandler) and len(run) > 1:
        await handler.many(session, [Delivered(item.envelope, item.context) for item in run])
        return
    for item in run:
        await _call(item, session)


async def _call(item: _Item, session: AsyncSession) -> None:
    token = otel_context.attach(item.context)
    try:
        await item.handler(session, item.envelope)
    finally:
        otel_context.detach(token)


def _settle(item: _Item, *, result: str | None = None, error: Exception | None = None) -> None:
    # The waiting message may have been cancelled (shutdown): nothing to tell it then.
    with contextlib.suppress(asyncio.InvalidStateError):
        if error is not None:
            item.done.set_exception(error)
        else:
            item.done.set_result(result or "handled")
