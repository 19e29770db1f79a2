"""Events published by the notifications service. No message bodies, no email addresses:
contacts are named by id."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from .common_types import Outcome, Siret
from .envelope import Contract


class AlertSent(Contract):
    event_type: ClassVar[str] = "alert.sent"
    producer: ClassVar[str] = "notifications"
    contact_id: str
    structure_siret: Siret
    lead_id: str
    message_id: str
    sent_at: datetime


class DigestSent(Contract):
    event_type: ClassVar[str] = "digest.sent"
    producer: ClassVar[str] = "notifications"
    contact_id: str
    structure_siret: Siret
    period: str = Field(description="daily:2026-11-25 or weekly:2026-W48")
    lead_ids: list[str]
    message_id: str
    sent_at: datetime


class DeliveryFailed(Contract):
    event_type: ClassVar[str] = "delivery.failed"
    producer: ClassVar[str] = "notifications"
    contact_id: str
    structure_siret: Siret
    idempotency_key: str
    permanent: bool
    reason: str


class FeedbackRecorded(Contract):
    event_type: ClassVar[str] = "feedback.recorded"
    producer: ClassVar[str] = "notifications"
    lead_id: str
    structure_siret: Siret
    contact_id: str
    outcome: Outcome
    recorded_at: datetime


class SubscriptionPaused(Contract):
    """A webhook subscription was paused after repeated delivery failures."""

    event_type: ClassVar[str] = "subscription.paused"
    producer: ClassVar[str] = "notifications"
    subscription_id: str
    failures: int
    last_error: str
