"""Idempotency keys: one per message that may be sent, recorded before sending.

``alert:<contact>:<lead>`` — at most one alert per lead and contact, ever;
``digest:<contact>:<period>`` — at most one digest per contact and period
(``daily:2026-11-25``, ``weekly:2026-W48``).

The same key gives the same ``Message-ID``, so that a message re-sent after a crash between
"sent" and "recorded as sent" can be recognised as a duplicate by the receiving side.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

KeyKind = Literal["alert", "digest"]


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    kind: KeyKind
    contact_id: str
    # The lead id (alert) or the digest period (digest).
    subject: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.contact_id}:{self.subject}"


def _check_contact(contact_id: str) -> None:
    # The contact id is the only part that must be colon-free for keys to parse back:
    # lead ids and periods may hold colons ("daily:2026-11-25") since they come last.
    if not contact_id or ":" in contact_id:
        raise ValueError(f"contact id {contact_id!r} must be non-empty and colon-free")


def alert_key(contact_id: str, lead_id: str) -> str:
    _check_contact(contact_id)
    if not lead_id:
        raise ValueError("lead id must be non-empty")
    return str(IdempotencyKey("alert", contact_id, lead_id))


def digest_key(contact_id: str, period: str) -> str:
    _check_contact(contact_id)
    if not period.startswith(("daily:", "weekly:")):
        raise ValueError(f"{period!r} is not a digest period (daily:… or weekly:…)")
    return str(IdempotencyKey("digest", contact_id, period))


def parse_key(key: str) -> IdempotencyKey:
    kind, sep, rest = key.partition(":")
    contact_id, sep2, subject = rest.partition(":")
    if kind not in ("alert", "digest") or not (sep and sep2 and contact_id and subject):
        raise ValueError(f"{key!r} is not an idempotency key")
    return IdempotencyKey(kind, contact_id, subject)  # type: ignore[arg-type]


def message_id(key: str, domain: str) -> str:
    """A ``Message-ID`` derived from the key: stable across retries, opaque to readers
    (contact and lead ids do not leak into mail headers)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"
