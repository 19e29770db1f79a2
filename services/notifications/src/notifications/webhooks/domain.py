"""Webhook rules, in plain Python: which events a subscription wants (AMQP topic
patterns), how a delivery is signed, when a failed delivery is tried again.

A subscriber checks a delivery by computing ``HMAC-SHA256(secret, raw body)`` and
comparing it, in constant time, with the hex digest in ``X-Chantiers-Signature``
(``sha256=<hex>``); ``X-Chantiers-Delivery`` is unique per (subscription, event) and stays
the same across retries, so that a receiver can drop a delivery it already processed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache
from urllib.parse import urlsplit

from chantiers_common.events import CONTRACTS

SIGNATURE_HEADER = "X-Chantiers-Signature"
DELIVERY_HEADER = "X-Chantiers-Delivery"
EVENT_HEADER = "X-Chantiers-Event"
EVENT_ID_HEADER = "X-Chantiers-Event-Id"

MIN_SECRET_LENGTH = 16
_WORD = re.compile(r"^(\*|#|[A-Za-z0-9_-]+)$")


class InvalidSubscription(ValueError):
    """What the API answers with a 422 and this message."""


def public_routing_keys() -> list[str]:
    """Every routing key whose events may leave the system (no personal data)."""
    return sorted({key for contract in CONTRACTS.values() if not contract.internal
                   for key in contract.routing_keys()})


def internal_event_types() -> frozenset[str]:
    return frozenset(c.event_type for c in CONTRACTS.values() if c.internal)


def validate_pattern(pattern: str) -> str:
    words = pattern.split(".")
    if not pattern or not all(_WORD.match(word) for word in words):
        raise InvalidSubscription(
            f"{pattern!r} is not an AMQP topic pattern (words of letters, digits, '-' or '_',"
            " '*' for one word, '#' for any number, separated by dots)")
    if not any(topic_matches(pattern, key) for key in public_routing_keys()):
        raise InvalidSubscription(
            f"{pattern!r} matches none of the public routing keys "
            f"({', '.join(public_routing_keys())}); events about contacts are never sent")
    return pattern


def validate_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidSubscription(f"{url!r} is not an http(s) URL")
    return url


def validate_secret(secret: str) -> str:
    if len(secret) < MIN_SECRET_LENGTH:
        raise InvalidSubscription(f"the secret must have at least {MIN_SECRET_LENGTH} "
                                  "characters")
    return secret


def topic_matches(pattern: str, routing_key: str) -> bool:
    """RabbitMQ topic semantics: ``*`` is exactly one word, ``#`` zero or more."""
    return _matches(tuple(pattern.split(".")), tuple(routing_key.split(".")))


@lru_cache(maxsize=4096)
def _matches(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_matches(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _matches(rest, words[1:])


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, body), signature)


def backoff_s(failures: int, base_s: float, max_s: float) -> float:
    """Delay before trying again after ``failures`` consecutive failures (1, 2, …)."""
    return min(max_s, base_s * 2 ** max(0, failures - 1))
