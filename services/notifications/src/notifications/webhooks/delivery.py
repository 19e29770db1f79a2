"""The webhook delivery loop: POSTs waiting deliveries, per subscription in order.

Each subscription is held by one loop at a time (a lease row, so several replicas share
subscriptions without sending one twice at once) and its deliveries go out one after the
other, oldest first: a delivery that fails blocks the ones after it, so a receiver never
sees event 2 before event 1. A failure is tried again after an exponential back-off;
after ``webhook_max_failures`` consecutive failures the subscription is paused and
``subscription.paused`` is published. Different subscriptions are served concurrently.

At least once: a crash after the receiver's 2xx but before the row is marked delivered
sends it again, with the same ``X-Chantiers-Delivery`` id for the receiver to drop.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import httpx
from prometheus_client import Counter
from sqlalchemy import func, select, text, update

from chantiers_common import outbox
from chantiers_common.events.notifications import SubscriptionPaused
from chantiers_common.service import ServiceContext

from ..db import subscriptions, webhook_deliveries
from ..options import NotifyOptions
from .domain import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    backoff_s,
    sign,
)

log = logging.getLogger(__name__)

WEBHOOKS = Counter("chantiers_webhook_deliveries_total", "Webhook delivery attempts",
                   ["outcome"])

_CLAIM = text("""
    UPDATE subscriptions SET lease_until = now() + make_interval(secs => :lease)
    WHERE id IN (
        SELECT s.id FROM subscriptions s
        WHERE s.status = 'active' AND (s.lease_until IS NULL OR s.lease_until < now())
          AND (SELECT d.next_attempt_at FROM webhook_deliveries d
               WHERE d.subscription_id = s.id AND d.status = 'pending'
               ORDER BY d.seq LIMIT 1) <= now()
        FOR UPDATE SKIP LOCKED)
    RETURNING id, url, secret, consecutive_failures
""")


class WebhookDeliverer:
    def __init__(self, ctx: ServiceContext, options: NotifyOptions | None = None,
                 client: httpx.AsyncClient | None = None) -> None:
        self.ctx = ctx
        self.options = options or NotifyOptions()
        self.client = client or httpx.AsyncClient(
            timeout=self.options.webhook_timeout_s, follow_redirects=False,
            headers={"User-Agent": "chantiers-agiles-webhooks/1"})

    async def run(self) -> None:
        try:
            while True:
                if not await self.run_once():
                    await asyncio.sleep(self.options.webhook_idle_s)
        finally:
            await self.client.aclose()

    async def run_once(self) -> int:
        """Serve every subscription that has a delivery due; returns how many."""
        lease = self.options.webhook_batch * self.options.webhook_timeout_s + 60
        async with self.ctx.sessions.begin() as session:
            subs = (await session.execute(_CLAIM, {"lease": lease})).all()
        if subs:
            await asyncio.gather(*(self._serve(sub) for sub in subs))
        return len(subs)

    async def _serve(self, sub: Any) -> None:
        try:
            await self._drain(sub)
        except Exception:
            log.exception("webhook subscription %s: delivery loop failed", sub.id)
        finally:
            async with self.ctx.sessions.begin() as session:
                await session.execute(update(subscriptions)
                                      .where(subscriptions.c.id == sub.id)
                                      .values(lease_until=None))

    async def _drain(self, sub: Any) -> None:
        d = webhook_deliveries.c
        async with self.ctx.sessions() as session:
            waiting = (await session.execute(
                select(d.seq, d.id, d.event_id, d.event_type, d.body, d.attempts,
                       (d.next_attempt_at <= func.now()).label("due"))
                .where(d.subscription_id == sub.id, d.status == "pending")
                .order_by(d.seq).limit(self.options.webhook_batch))).all()
        failures = sub.consecutive_failures
        for row in waiting:
            if not row.due:
                return  # the oldest one waits for its back-off: the others wait behind it
            error = await self._post(sub, row)
            if error is None:
                WEBHOOKS.labels("delivered").inc()
                await self._delivered(sub.id, row.seq)
                failures = 0
                continue
            WEBHOOKS.labels("failed").inc()
            failures += 1
            await self._failed(sub.id, row.seq, failures, error)
            return

    async def _post(self, sub: Any, row: Any) -> str | None:
        body = row.body.encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(sub.secret, body),
            DELIVERY_HEADER: str(row.id),
            EVENT_HEADER: row.event_type,
            EVENT_ID_HEADER: str(row.event_id),
        }
        try:
            response = await self.client.post(sub.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}: {response.text[:200]}"

    async def _delivered(self, subscription_id: Any, seq: int) -> None:
        async with self.ctx.sessions.begin() as session:
            await session.execute(
                update(webhook_deliveries).where(webhook_deliveries.c.seq == seq)
                .values(status="delivered", delivered_at=func.now(),
                        attempts=webhook_deliveries.c.attempts + 1, last_error=None))
            await session.execute(
                update(subscriptions).where(subscriptions.c.id == subscription_id)
                .values(consecutive_failures=0, last_error=None))

    async def _failed(self, subscription_id: Any, seq: int, failures: int, error: str) -> None:
        delay = backoff_s(failures, self.options.webhook_backoff_base_s,
                          self.options.webhook_backoff_max_s)
        paused = failures >= self.options.webhook_max_failures
        async with self.ctx.sessions.begin() as session:
            await session.execute(
                update(webhook_deliveries).where(webhook_deliveries.c.seq == seq)
                .values(attempts=webhook_deliveries.c.attempts + 1, last_error=error,
                        next_attempt_at=func.now() + timedelta(seconds=delay)))
            values: dict[str, Any] = {"consecutive_failures": failures, "last_error": error}
            if paused:
                values |= {"status": "paused", "paused_at": func.now()}
            await session.execute(update(subscriptions)
                                  .where(subscriptions.c.id == subscription_id).values(**values))
            if paused:
                log.warning("webhook subscription %s paused after %d failures: %s",
                            subscription_id, failures, error)
                await outbox.add(session, SubscriptionPaused(
                    subscription_id=str(subscription_id), failures=failures,
                    last_error=error))


def make_webhook_loop(options: NotifyOptions):  # type: ignore[no-untyped-def]
    async def webhook_loop(ctx: ServiceContext) -> None:
        await WebhookDeliverer(ctx, options).run()

    return webhook_loop
