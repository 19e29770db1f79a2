"""The sender loop: takes due deliveries, builds each email and sends it over SMTP.

Delivery guarantee (see the README): a delivery row keyed by its idempotency key is
recorded (with the decision, in the event's transaction) before anything is sent, and is
claimed (``sending``, committed) before the SMTP conversation. After the server's 250 the
row becomes ``sent`` together with the ``alert.sent``/``digest.sent`` event. A sender that
dies between the claim and that commit leaves the row in ``sending``: it is marked
``unknown`` and **not** sent again — we prefer one missed email to a duplicate in an ACI's
inbox. Temporary failures (server down, 4xx) are retried with exponential back-off;
permanent ones (5xx) mark the address until it changes and publish ``delivery.failed``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from prometheus_client import Counter
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events.matching import Lead
from chantiers_common.events.notifications import AlertSent, DeliveryFailed, DigestSent
from chantiers_common.events.structures import Contact
from chantiers_common.service import ServiceContext

from .compose import Outbound, compose_alert, compose_digest
from .db import contacts, deliveries, leads
from .mailer import Mailer, PermanentFailure, SmtpConfig, TemporaryFailure
from .preferences import ContactPrefs

log = logging.getLogger(__name__)
tracer = trace.get_tracer("notifications.sender")

EMAILS = Counter("chantiers_emails_total", "Emails by kind and outcome", ["kind", "outcome"])

MAX_ATTEMPTS = 15
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 300.0
BATCH = 50
# A claim older than this belongs to a sender that died mid-send.
STUCK_AFTER = timedelta(minutes=10)

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


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1)))


async def claim(ctx: ServiceContext, limit: int = BATCH) -> list[Any]:
    async with ctx.sessions.begin() as session:
        return list((await session.execute(_CLAIM, {"limit": limit})).all())


async def mark_stuck(ctx: ServiceContext) -> int:
    async with ctx.sessions.begin() as session:
        result = await session.execute(
            update(deliveries)
            .where(deliveries.c.status == "sending",
                   deliveries.c.claimed_at < datetime.now(UTC) - STUCK_AFTER)
            .values(status="unknown",
                    last_error="sender stopped while sending; not resent (at most once)")
        )
        return result.rowcount or 0


async def _load(session: AsyncSession, row: Any) -> tuple[Contact | None, str | None, list[Lead]]:
    found = (await session.execute(
        select(contacts.c.data, contacts.c.bounced_email).where(contacts.c.id == row.contact_id)
    )).first()
    lead_rows = (await session.execute(
        select(leads.c.data).where(leads.c.id.in_(row.lead_ids), leads.c.status == "active")
    )).all()
    contact = Contact.model_validate(found.data) if found else None
    return contact, found.bounced_email if found else None, [
        Lead.model_validate(r.data) for r in lead_rows]


def _compose(row: Any, contact: Contact, lead_list: list[Lead], outbound: Outbound,
             now: datetime) -> Any:
    prefs = ContactPrefs.from_contact(contact)
    if row.kind == "alert":
        return compose_alert(lead_list[0], prefs, now=now, outbound=outbound)
    return compose_digest(lead_list, prefs, period=row.period, now=now, outbound=outbound)


async def _finish(ctx: ServiceContext, key: str, **values: Any) -> None:
    async with ctx.sessions.begin() as session:
        await session.execute(update(deliveries).where(deliveries.c.key == key).values(**values))


async def deliver(ctx: ServiceContext, mailer: Mailer, outbound: Outbound, row: Any) -> str:
    """Send one claimed delivery; returns its outcome."""
    now = datetime.now(UTC)
    async with ctx.sessions() as session:
        contact, bounced, lead_list = await _load(session, row)
    if contact is None or contact.unsubscribed_at or (bounced and bounced == contact.email):
        await _finish(ctx, row.key, status="skipped", last_error="contact unsubscribed or "
                      "address refused since the decision")
        return "skipped"
    if not lead_list:
        await _finish(ctx, row.key, status="skipped", last_error="leads withdrawn meanwhile")
        return "skipped"
    message = _compose(row, contact, lead_list, outbound, now)
    try:
        with tracer.start_as_current_span(
            "smtp send", kind=trace.SpanKind.CLIENT,
            attributes={"smtp.host": mailer.config.host, "smtp.port": mailer.config.port,
                        "email.kind": row.kind, "email.message_id": str(message["Message-ID"])},
        ):
            await mailer.send(message)
    except TemporaryFailure as exc:
        if row.attempts >= MAX_ATTEMPTS:
            await _give_up(ctx, row, contact, str(exc), permanent=False)
            return "failed"
        await _finish(ctx, row.key, status="pending", last_error=str(exc)[:500],
                      next_attempt_at=now + backoff(row.attempts))
        return "retry"
    except PermanentFailure as exc:
        await _give_up(ctx, row, contact, str(exc), permanent=True)
        return "failed"
    async with ctx.sessions.begin() as session:
        await session.execute(update(deliveries).where(deliveries.c.key == row.key).values(
            status="sent", sent_at=now, message_id=str(message["Message-ID"]), last_error=None))
        if row.kind == "alert":
            await outbox.add(session, AlertSent(
                contact_id=contact.id, structure_siret=row.siret, lead_id=lead_list[0].id,
                message_id=str(message["Message-ID"]), sent_at=now))
        else:
            await outbox.add(session, DigestSent(
                contact_id=contact.id, structure_siret=row.siret, period=row.period,
                lead_ids=[lead.id for lead in lead_list],
                message_id=str(message["Message-ID"]), sent_at=now))
    return "sent"


async def _give_up(ctx: ServiceContext, row: Any, contact: Contact, reason: str,
                   permanent: bool) -> None:
    async with ctx.sessions.begin() as session:
        await session.execute(update(deliveries).where(deliveries.c.key == row.key).values(
            status="failed", last_error=reason[:500]))
        if permanent:
            await session.execute(update(contacts).where(contacts.c.id == contact.id)
                                  .values(bounced_email=contact.email))
        await outbox.add(session, DeliveryFailed(
            contact_id=contact.id, structure_siret=row.siret, idempotency_key=row.key,
            permanent=permanent, reason=reason[:500]))


async def sender_loop(ctx: ServiceContext) -> None:
    """Background loop of the service (several replicas share the work safely)."""
    outbound = Outbound.from_settings(ctx.settings)
    async with Mailer(SmtpConfig.from_settings(ctx.settings)) as mailer:
        idle_rounds = 0
        while True:
            await mark_stuck(ctx)
            batch = await claim(ctx)
            if not batch:
                idle_rounds += 1
                if idle_rounds == 20:
                    await mailer.close()  # do not hold an idle SMTP connection
                await asyncio.sleep(0.5)
                continue
            idle_rounds = 0
            for row in batch:
                token = otel_context.attach(propagate.extract(row.trace or {}))
                try:
                    with tracer.start_as_current_span(f"deliver {row.kind}"):
                        outcome = await deliver(ctx, mailer, outbound, row)
                except Exception:
                    # Never leave a claimed row behind because of a bug: retry it later.
                    log.exception("delivery %s failed unexpectedly", row.key)
                    await _finish(ctx, row.key, status="pending",
                                  next_attempt_at=datetime.now(UTC) + backoff(row.attempts))
                    outcome = "error"
                finally:
                    otel_context.detach(token)
                EMAILS.labels(row.kind, outcome).inc()
