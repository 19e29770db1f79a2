"""Settings of the notifications service only (``CHANTIERS_NOTIFY_*``), beside the shared
ones (SMTP server, link secret, admin token: ``chantiers_common.settings``).

Tests shorten the delays through the same variables, so that the code that runs in a
test is the code that runs in production.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class NotifyOptions(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHANTIERS_NOTIFY_", extra="ignore")

    # Alerts (see preferences.py for why these numbers).
    default_alert_score: int = Field(80, ge=0, le=100)
    daily_alert_cap: int = Field(5, ge=0)

    # Digests: how often the scheduler looks whether a slot has passed.
    digest_check_s: float = Field(30.0, gt=0)

    # Emails: how many deliveries one claim takes, how many SMTP connections send them.
    sender_batch: int = Field(200, ge=1)
    smtp_connections: int = Field(4, ge=1)
    # Processes composing emails beside the event loop (0: compose in the event loop).
    compose_processes: int = Field(1, ge=0)
    sender_idle_s: float = Field(0.5, gt=0)
    smtp_timeout_s: float = Field(30.0, gt=0)
    # Temporary SMTP failures: exponential back-off from this delay, at most this long,
    # and a delivery is given up (``delivery.failed``, not permanent) after so many tries.
    smtp_backoff_base_s: float = Field(2.0, gt=0)
    smtp_backoff_max_s: float = Field(600.0, gt=0)
    smtp_max_attempts: int = Field(15, ge=1)

    # Webhooks: a subscription is paused after this many consecutive failed attempts.
    # With the defaults the last attempt comes about 2 h 25 after the first failure: long
    # enough for a night's maintenance, short enough not to pile up days of retries.
    webhook_max_failures: int = Field(12, ge=1)
    webhook_backoff_base_s: float = Field(5.0, gt=0)
    webhook_backoff_max_s: float = Field(3600.0, gt=0)
    webhook_timeout_s: float = Field(10.0, gt=0)
    webhook_idle_s: float = Field(0.5, gt=0)
    webhook_batch: int = Field(50, ge=1)
