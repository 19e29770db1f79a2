"""Counts shown by ``/stats`` (``pending*`` keys tell the demo that work remains)."""

from __future__ import annotations

from sqlalchemy import func, select

from chantiers_common.service import ServiceContext

from .db import contacts, deliveries, leads, subscriptions, webhook_deliveries


async def counts(ctx: ServiceContext) -> dict[str, int]:
    async with ctx.sessions() as session:
        by_status = dict((await session.execute(
            select(deliveries.c.status, func.count()).group_by(deliveries.c.status))).all())
        return {
            "contacts": await session.scalar(select(func.count()).select_from(contacts)) or 0,
            "leads": await session.scalar(select(func.count()).select_from(leads)) or 0,
            "emails_sent": by_status.get("sent", 0),
            "emails_failed": by_status.get("failed", 0),
            # A sender stopped between the SMTP conversation and recording it: not resent.
            "emails_unknown": by_status.get("unknown", 0),
            "webhook_subscriptions": await session.scalar(
                select(func.count()).select_from(subscriptions)) or 0,
            # Not "pending…": a receiver that is down must not keep the demo waiting.
            "webhook_deliveries_waiting": await session.scalar(
                select(func.count()).select_from(webhook_deliveries)
                .where(webhook_deliveries.c.status == "pending")) or 0,
            # Due now or retrying later: the demo waits for these.
            "pending_deliveries": by_status.get("pending", 0) + by_status.get("sending", 0),
        }
