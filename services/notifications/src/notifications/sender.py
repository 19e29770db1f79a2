"""The sender loop: takes due deliveries, builds each email and sends it over SMTP.

Delivery guarantee (see the README): a delivery row keyed by its idempotency key is
recorded (with the decision, in the event's transaction) before anything is sent, and is
claimed (``sending``, committed) before the SMTP conversation. After the server's 250 the
row becomes ``sent`` together with the ``alert.sent``/``digest.sent`` event. A sender that
dies between the claim and that commit leaves the row in ``sending``: it is marked
``unknown`` and **not** sent again — we prefer one missed email to a duplicate in an ACI's
inbox. Temporary failures (server down, 4xx) are retried with exponential back-off;
permanent ones (5xx) publish ``delivery.failed``, and when the recipient itself was refused
the address is marked until it changes.

Throughput: a batch of rows is claimed at once, its contacts and leads are read in two
queries, worker processes compose the messages (:mod:`.composing`) while several SMTP
connections send them, and the outcomes are written back in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Span
from prometheus_client import Counter
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events.notifications import AlertSent, DeliveryFailed, DigestSent
from chantiers_common.events.structures import Contact
from chantiers_common.service import ServiceContext

from .composing import ComposeJob, Composer
from .db import contacts, deliveries, leads
from .mailer import Mailer, PermanentFailure, SmtpConfig, TemporaryFailure
from .options import Clock, NotifyOptions, system_clock

log = logging.getLogger(__name__)
tracer = trace.get_tracer("notifications.sender")

EMAILS = Counter("chantiers_emails_total", "Emails by kind and outcome", ["kind", "outcome"])

# A claim older than this belongs to a sender that died mid-send.
STUCK_AFTER_S = 600
STUCK_CHECK_EVERY_S = 60.0
# Idle SMTP connections are closed after this long without a message.
IDLE_CLOSE_S = 10.0

_CLAIM = text("""
    UPDATE deliveries SET status = 'sending', claimed_at = now(), attempts = attempts + 1
    WHERE key IN (
        SELECT key FROM deliveries
        WHERE status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at, created_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED)
    RETURNING key, kind, contact_id, siret, lead_ids, period, attempts, trace
""")

# Retry times are database times (when to try again), not the business clock (which day
# it is for the contact), so that a test moving the business clock does not stall them.
_RETRY = text("""
    UPDATE deliveries SET status = 'pending', last_error = :error,
        attempts = attempts - :undo,
        next_attempt_at = now() + make_interval(secs => :delay)
    WHERE key = :key
""")


def backoff_s(attempts: int, options: NotifyOptions) -> float:
    return min(options.smtp_backoff_max_s,
               options.smtp_backoff_base_s * 2 ** max(0, attempts - 1))


@dataclass
class Outcomes:
    """What happened to each row of a batch, written back in one transaction."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    event_headers: list[dict[str, str]] = field(default_factory=list)
    retry: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    # (row, contact, reason, permanent, address refused)
    failed: list[tuple[Any, Contact | None, str, bool, bool]] = field(default_factory=list)
    # Addresses refused (5xx at RCPT) during this batch: not tried again in it.
    refused: set[str] = field(default_factory=set)
    server_down: bool = False

    def count(self) -> dict[str, int]:
        return {"sent": len(self.sent), "retry": len(self.retry),
                "skipped": len(self.skipped), "failed": len(self.failed)}


@dataclass
class Prepared:
    row: Any
    contact: Contact
    lead_ids: list[str]
    message_id: str
    sender: str
    recipient: str
    data: bytes
    span: Span


class Sender:
    def __init__(self, ctx: ServiceContext, options: NotifyOptions | None = None,
                 clock: Clock = system_clock) -> None:
        self.ctx = ctx
        self.options = options or NotifyOptions()
        self.clock = clock
        self.composer = Composer(ctx.settings, self.options)
        config = SmtpConfig.from_settings(ctx.settings, timeout=self.options.smtp_timeout_s)
        self.mailers = [Mailer(config) for _ in range(self.options.smtp_connections)]
        self._last_stuck_check = 0.0

    async def close(self) -> None:
        for mailer in self.mailers:
            await mailer.close()

    async def stop(self) -> None:
        await self.close()
        self.composer.close()

    # The loop ------------------------------------------------------------------------
    async def run(self) -> None:
        idle_since = time.monotonic()
        try:
            while True:
                if time.monotonic() - self._last_stuck_check > STUCK_CHECK_EVERY_S:
                    await self.mark_stuck()
                    self._last_stuck_check = time.monotonic()
                batch = await self.claim()
                if batch:
                    await self.process(batch)
                    idle_since = time.monotonic()
                    continue
                if time.monotonic() - idle_since > IDLE_CLOSE_S:
                    await self.close()  # do not hold idle SMTP connections
                await asyncio.sleep(self.options.sender_idle_s)
        finally:
            await self.stop()

    async def claim(self) -> list[Any]:
        async with self.ctx.sessions.begin() as session:
            return list((await session.execute(
                _CLAIM, {"limit": self.options.sender_batch})).all())

    async def mark_stuck(self) -> int:
        async with self.ctx.sessions.begin() as session:
            result = await session.execute(text("""
                UPDATE deliveries SET status = 'unknown',
                    last_error = 'sender stopped while sending; not resent (at most once)'
                WHERE status = 'sending'
                  AND claimed_at < now() - make_interval(secs => :age)
            """), {"age": STUCK_AFTER_S})
            if result.rowcount:
                log.warning("%d deliveries left in 'sending' by a stopped sender are now "
                            "'unknown' (not resent)", result.rowcount)
            return result.rowcount or 0

    # One batch -----------------------------------------------------------------------
    async def process(self, batch: list[Any]) -> Outcomes:
        async with self.ctx.sessions() as session:
            found_contacts, found_leads = await _load(session, batch)
        outcomes = Outcomes()
        now = self.clock()
        jobs = [(row, job) for row in batch
                if (job := self._job(row, found_contacts, found_leads, now, outcomes))]
        # Workers compose the whole batch while the connections below send it.
        futures = [self.composer.submit(job) for _, job in jobs]
        queue: asyncio.Queue[Prepared | None] = asyncio.Queue(maxsize=2 * len(self.mailers))
        senders = [asyncio.create_task(self._worker(mailer, queue, outcomes))
                   for mailer in self.mailers]
        try:
            for index, ((row, job), future) in enumerate(zip(jobs, futures, strict=True)):
                if outcomes.server_down:
                    # The server is down: the rest of the batch waits, untried.
                    for rest, _ in jobs[index:]:
                        outcomes.retry.append(self._retry_values(rest, "SMTP server down",
                                                                 tried=False))
                    for rest_future in futures[index:]:
                        if rest_future is not None:
                            rest_future.cancel()
                    break
                prepared = await self._prepare(row, job, future, found_contacts, outcomes)
                if prepared is not None:
                    await queue.put(prepared)
                    # Let the connections write while the next message is composed.
                    await asyncio.sleep(0)
        finally:
            for _ in senders:
                await queue.put(None)
            await asyncio.gather(*senders)
        await self._write(outcomes)
        for kind_outcome, rows in (("sent", outcomes.sent), ("retry", outcomes.retry),
                                   ("skipped", outcomes.skipped)):
            for values in rows:
                EMAILS.labels(values.get("kind", "?"), kind_outcome).inc()
        for row, *_ in outcomes.failed:
            EMAILS.labels(row.kind, "failed").inc()
        return outcomes

    def _job(self, row: Any, found_contacts: dict[str, tuple[Contact, dict[str, Any],
                                                            str | None]],
             found_leads: dict[str, dict[str, Any]], now: datetime,
             outcomes: Outcomes) -> ComposeJob | None:
        """What to compose for a row, or None when it is skipped (and why)."""
        contact, raw, bounced = found_contacts.get(row.contact_id, (None, None, None))
        if contact is None or contact.unsubscribed_at or (bounced and bounced == contact.email):
            outcomes.skipped.append({"key": row.key, "kind": row.kind, "error":
                                     "contact unsubscribed or address refused since the "
                                     "decision"})
            return None
        lead_list = [found_leads[i] for i in row.lead_ids if i in found_leads]
        if not lead_list:
            outcomes.skipped.append({"key": row.key, "kind": row.kind,
                                     "error": "leads withdrawn meanwhile"})
            return None
        assert raw is not None
        return self.composer.job(row.kind, row.period, raw, lead_list, now)

    async def _prepare(self, row: Any, job: ComposeJob, future: Any,
                       found_contacts: dict[str, tuple[Contact, dict[str, Any], str | None]],
                       outcomes: Outcomes) -> Prepared | None:
        contact = found_contacts[row.contact_id][0]
        if contact.email in outcomes.refused:
            # Refused a moment ago for another message of this batch.
            outcomes.skipped.append({"key": row.key, "kind": row.kind,
                                     "error": "address refused since the decision"})
            if future is not None:
                future.cancel()
            return None
        parent = propagate.extract(row.trace or {})
        span = tracer.start_span(f"deliver {row.kind}", context=parent,
                                 attributes={"email.idempotency_key": row.key})
        try:
            with trace.use_span(span, end_on_exit=False):
                composed = await self.composer.result(job, future)
        except Exception as exc:
            # A message that cannot be built (a bug, odd data) must not stop the others,
            # nor stay claimed: retried later, then given up.
            log.exception("delivery %s: cannot build the message", row.key)
            span.record_exception(exc)
            span.end()
            self._failed_attempt(row, contact, repr(exc), outcomes)
            return None
        return Prepared(row, contact, composed.lead_ids, composed.message_id,
                        composed.sender, composed.recipient, composed.data, span)

    async def _worker(self, mailer: Mailer, queue: asyncio.Queue[Prepared | None],
                      outcomes: Outcomes) -> None:
        while (item := await queue.get()) is not None:
            if outcomes.server_down:
                outcomes.retry.append(self._retry_values(item.row, "SMTP server down",
                                                         tried=False))
                item.span.end()
                continue
            try:
                with trace.use_span(item.span, end_on_exit=True):
                    await self._send(mailer, item, outcomes)
            except Exception as exc:
                # Never leave a claimed row behind because of a bug: retry it later.
                log.exception("delivery %s failed unexpectedly", item.row.key)
                outcomes.retry.append(self._retry_values(item.row, repr(exc)[:500]))

    async def _send(self, mailer: Mailer, item: Prepared, outcomes: Outcomes) -> None:
        row = item.row
        try:
            with tracer.start_as_current_span(
                "smtp send", kind=trace.SpanKind.CLIENT,
                attributes={"smtp.host": mailer.config.host, "smtp.port": mailer.config.port,
                            "email.kind": row.kind, "email.message_id": item.message_id},
            ):
                await mailer.send_raw(item.sender, item.recipient, item.data)
        except TemporaryFailure as exc:
            if exc.server_down:
                outcomes.server_down = True
            self._failed_attempt(row, item.contact, str(exc), outcomes)
            return
        except PermanentFailure as exc:
            outcomes.failed.append((row, item.contact, str(exc), True, exc.address_refused))
            if exc.address_refused:
                outcomes.refused.add(item.contact.email)
            return
        sent_at = self.clock()
        outcomes.sent.append({"key": row.key, "kind": row.kind, "sent_at": sent_at,
                              "message_id": item.message_id})
        if row.kind == "alert":
            event: Any = AlertSent(
                contact_id=item.contact.id, structure_siret=row.siret,
                lead_id=item.lead_ids[0], message_id=item.message_id, sent_at=sent_at)
        else:
            event = DigestSent(
                contact_id=item.contact.id, structure_siret=row.siret, period=row.period,
                lead_ids=item.lead_ids, message_id=item.message_id, sent_at=sent_at)
        outcomes.events.append(event)
        outcomes.event_headers.append(outbox.current_trace_headers())

    def _failed_attempt(self, row: Any, contact: Contact | None, error: str,
                        outcomes: Outcomes) -> None:
        """A temporary failure: retried with back-off, given up after the last attempt."""
        if row.attempts >= self.options.smtp_max_attempts:
            outcomes.failed.append((row, contact, error, False, False))
        else:
            outcomes.retry.append(self._retry_values(row, error))

    def _retry_values(self, row: Any, error: str, *, tried: bool = True) -> dict[str, Any]:
        # An untried row gives its attempt back: only real tries count towards giving up.
        attempts = row.attempts if tried else max(1, row.attempts - 1)
        return {"key": row.key, "kind": row.kind, "error": error[:500],
                "undo": 0 if tried else 1, "delay": backoff_s(attempts, self.options)}

    async def _write(self, outcomes: Outcomes) -> None:
        async with self.ctx.sessions.begin() as session:
            if outcomes.sent:
                await session.execute(
                    update(deliveries).where(deliveries.c.key == bindparam("b_key"))
                    .values(status="sent", sent_at=bindparam("b_sent_at"),
                            message_id=bindparam("b_message_id"), last_error=None),
                    [{"b_key": v["key"], "b_sent_at": v["sent_at"],
                      "b_message_id": v["message_id"]} for v in outcomes.sent])
                await outbox.add_many(session, outcomes.events, headers=outcomes.event_headers)
            if outcomes.retry:
                await session.execute(_RETRY, [
                    {"key": v["key"], "error": v["error"], "undo": v["undo"],
                     "delay": v["delay"]} for v in outcomes.retry])
            if outcomes.skipped:
                await session.execute(
                    update(deliveries).where(deliveries.c.key == bindparam("b_key"))
                    .values(status="skipped", last_error=bindparam("b_error")),
                    [{"b_key": v["key"], "b_error": v["error"]} for v in outcomes.skipped])
            for row, contact, reason, permanent, address_refused in outcomes.failed:
                await _give_up(session, row, contact, reason, permanent, address_refused)


async def _load(session: AsyncSession, batch: list[Any],
                ) -> tuple[dict[str, tuple[Contact, dict[str, Any], str | None]],
                           dict[str, dict[str, Any]]]:
    """The contacts and the still active leads of a batch, in two queries. Leads stay
    JSON: the compose workers read them."""
    contact_ids = sorted({row.contact_id for row in batch})
    lead_ids = sorted({lead_id for row in batch for lead_id in row.lead_ids})
    found_contacts = {
        r.id: (Contact.model_validate(r.data), r.data, r.bounced_email)
        for r in (await session.execute(
            select(contacts.c.id, contacts.c.data, contacts.c.bounced_email)
            .where(contacts.c.id.in_(contact_ids)))).all()
    }
    found_leads = {
        r.id: r.data
        for r in (await session.execute(
            select(leads.c.id, leads.c.data)
            .where(leads.c.id.in_(lead_ids), leads.c.status == "active"))).all()
    }
    return found_contacts, found_leads


async def _give_up(session: AsyncSession, row: Any, contact: Contact | None, reason: str,
                   permanent: bool, address_refused: bool) -> None:
    await session.execute(update(deliveries).where(deliveries.c.key == row.key).values(
        status="failed", last_error=reason[:500]))
    if contact is None:
        contact = Contact.model_validate((await session.execute(
            select(contacts.c.data).where(contacts.c.id == row.contact_id))).scalar_one())
    if address_refused:
        await session.execute(update(contacts).where(contacts.c.id == contact.id)
                              .values(bounced_email=contact.email))
    await outbox.add(session, DeliveryFailed(
        contact_id=contact.id, structure_siret=row.siret, idempotency_key=row.key,
        permanent=permanent, reason=reason[:500]))


def make_sender_loop(clock: Clock, options: NotifyOptions):  # type: ignore[no-untyped-def]
    async def sender_loop(ctx: ServiceContext) -> None:
        """Background loop of the service (several replicas share the work safely)."""
        await Sender(ctx, options, clock).run()

    return sender_loop
