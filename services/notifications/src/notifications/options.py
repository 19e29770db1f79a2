"""Settings of the notifications service only (``CHANTIERS_NOTIFY_*``), beside the shared
ones (SMTP server, link secret, admin token: ``chantiers_common.settings``).

Tests shorten the delays through the same variables, so that the code that runs in a
test is the code that runs in production.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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

    # Public link pages (one-click answers, unsubscribe), per client address and per
    # process (link_guard.py). A person clicks a few buttons a minute; an office behind
    # one address has a few people: 30 a minute with bursts of 20 never stops them, and
    # holds a script to one request every 2 s.
    link_rate_per_minute: float = Field(30.0, gt=0)
    link_burst: int = Field(20, ge=1)
    # Links that do not verify (forged or cut): 5 in a row, then one every 3 minutes. A
    # person with a link cut by their mail client retries two or three times; guessing
    # tokens becomes hopeless (it already was: they are HMAC-signed).
    link_failures_per_hour: float = Field(20.0, gt=0)
    link_failure_burst: int = Field(5, ge=1)
    # Clients remembered at most, per limit (a few hundred bytes each).
    link_limiter_max_clients: int = Field(10_000, ge=1)
    # Reverse proxies whose X-Forwarded-For is believed: addresses or networks, comma
    # separated ("10.0.0.5, 10.1.0.0/16"). None by default: the socket peer is the client.
    link_trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list)

    @field_validator("link_trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            # strict=False: "10.0.0.5/8" means the network 10.0.0.0/8, not an error.
            return [ip_network(str(part).strip(), strict=False) for part in value]
        return value
