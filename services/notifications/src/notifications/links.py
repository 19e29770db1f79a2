"""Signed, expiring links: one-click answers to a lead, and unsubscribing.

Tokens are ``itsdangerous`` timed signatures (HMAC) of a small JSON payload. Each purpose
has its own salt, so a token made for one purpose never verifies for another; the payload
names the contact (and the lead and the answer), so a token cannot be replayed for another
lead or contact: changing any of them breaks the signature. The secret may be a list
(oldest first, the last one signs) so that it can be rotated without breaking the links
already in mailboxes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes

from chantiers_common.events.common_types import Outcome
from chantiers_common.settings import get_settings

Purpose = Literal["feedback", "unsubscribe"]
_SALTS: dict[Purpose, str] = {
    "feedback": "chantiers-agiles.notifications.feedback.v1",
    "unsubscribe": "chantiers-agiles.notifications.unsubscribe.v1",
}
# An outcome ("won", "lost") may be known months after the email: answers stay open half
# a year. Unsubscribe links must keep working as long as an old message may be reread.
_PURPOSE_LABELS: dict[Purpose, str] = {
    "feedback": "répondre à une piste",
    "unsubscribe": "se désabonner",
}
FEEDBACK_MAX_AGE = timedelta(days=180)
UNSUBSCRIBE_MAX_AGE = timedelta(days=365)


class LinkError(Exception):
    """A link that must not be acted upon; ``kind`` names the page to show."""

    kind: str = "invalid"


class TamperedLink(LinkError):
    kind = "tampered"


class ExpiredLink(LinkError):
    kind = "expired"

    def __init__(self, message: str, signed_at: datetime | None) -> None:
        super().__init__(message)
        self.signed_at = signed_at


class WrongPurpose(LinkError):
    kind = "wrong_purpose"

    def __init__(self, message: str, found: Purpose) -> None:
        super().__init__(message)
        self.found = found


@dataclass(frozen=True, slots=True)
class FeedbackClaim:
    contact_id: str
    lead_id: str
    outcome: Outcome
    structure_siret: str | None
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class UnsubscribeClaim:
    contact_id: str
    structure_siret: str | None
    signed_at: datetime


class _ClockedSigner(TimestampSigner):
    """A timestamp signer whose clock can be frozen (tests) or shared (one per process)."""

    def __init__(self, *args: Any, clock: Callable[[], float] = time.time, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


class LinkSigner:
    def __init__(
        self, secret: str | Sequence[str], *, clock: Callable[[], float] = time.time
    ) -> None:
        keys = [secret] if isinstance(secret, str) else list(secret)
        if not keys or not all(keys):
            raise ValueError("a link secret must be a non-empty string")
        self._serializers = {
            purpose: URLSafeTimedSerializer(
                keys, salt=salt, signer=_ClockedSigner, signer_kwargs={"clock": clock}
            )
            for purpose, salt in _SALTS.items()
        }
        # One HMAC per purpose, keyed once: a digest signs 50 links, and itsdangerous
        # would build a signer, derive its key and try zlib on every one of them.
        self._clock = clock
        self._macs = {}
        for purpose, serializer in self._serializers.items():
            signer = serializer.make_signer()
            self._macs[purpose] = hmac.new(signer.derive_key(), digestmod=hashlib.sha1)

    def sign(self, purpose: Purpose, payload: dict[str, str]) -> str:
        """itsdangerous' own token format (a unit test checks it byte for byte):
        ``base64(compact JSON) . base64(timestamp) . base64(HMAC-SHA1)``, uncompressed
        (payloads are too short for zlib to help), so that ``verify`` reads it."""
        body = base64_encode(json.dumps(payload, separators=(",", ":")).encode())
        value = body + b"." + base64_encode(int_to_bytes(int(self._clock())))
        mac = self._macs[purpose].copy()
        mac.update(value)
        return (value + b"." + base64_encode(mac.digest())).decode("ascii")

    def verify(
        self, purpose: Purpose, token: str, max_age: timedelta | int
    ) -> tuple[dict[str, str], datetime]:
        seconds = int(max_age.total_seconds()) if isinstance(max_age, timedelta) else max_age
        try:
            payload, signed_at = self._serializers[purpose].loads(
                token, max_age=seconds, return_timestamp=True
            )
        except SignatureExpired as exc:
            raise ExpiredLink("ce lien a expiré", exc.date_signed) from None
        except BadSignature:
            other = self._purpose_of(token, besides=purpose)
            if other is not None:
                raise WrongPurpose(
                    f"ce lien sert à {_PURPOSE_LABELS[other]}, pas à {_PURPOSE_LABELS[purpose]}",
                    other,
                ) from None
            raise TamperedLink("ce lien n’est pas valide (signature incorrecte)") from None
        if not isinstance(payload, dict) or not all(isinstance(v, str) for v in payload.values()):
            raise TamperedLink("ce lien n’est pas valide (contenu inattendu)")
        return payload, signed_at

    def _purpose_of(self, token: str, *, besides: Purpose) -> Purpose | None:
        # Only to tell a precise error: the age does not matter here.
        for purpose, serializer in self._serializers.items():
            if purpose == besides:
                continue
            try:
                serializer.loads(token)
            except BadSignature:
                continue
            return purpose
        return None

    # Feedback -----------------------------------------------------------------------
    def feedback_token(
        self, contact_id: str, lead_id: str, outcome: Outcome, structure_siret: str | None = None
    ) -> str:
        payload = {"c": contact_id, "l": lead_id, "o": Outcome(outcome).value}
        if structure_siret:
            payload["s"] = structure_siret
        return self.sign("feedback", payload)

    def verify_feedback(
        self, token: str, max_age: timedelta | int = FEEDBACK_MAX_AGE
    ) -> FeedbackClaim:
        payload, signed_at = self.verify("feedback", token, max_age)
        try:
            return FeedbackClaim(
                contact_id=payload["c"],
                lead_id=payload["l"],
                outcome=Outcome(payload["o"]),
                structure_siret=payload.get("s"),
                signed_at=signed_at,
            )
        except (KeyError, ValueError):
            # Signed by us but not in this shape: an old or foreign format, never acted on.
            raise TamperedLink("ce lien n’est pas valide (contenu inattendu)") from None

    # Unsubscribe --------------------------------------------------------------------
    def unsubscribe_token(self, contact_id: str, structure_siret: str | None = None) -> str:
        payload = {"c": contact_id}
        if structure_siret:
            payload["s"] = structure_siret
        return self.sign("unsubscribe", payload)

    def verify_unsubscribe(
        self, token: str, max_age: timedelta | int = UNSUBSCRIBE_MAX_AGE
    ) -> UnsubscribeClaim:
        payload, signed_at = self.verify("unsubscribe", token, max_age)
        if "c" not in payload:
            raise TamperedLink("ce lien n’est pas valide (contenu inattendu)")
        return UnsubscribeClaim(payload["c"], payload.get("s"), signed_at)


@lru_cache(maxsize=1)
def default_signer() -> LinkSigner:
    return LinkSigner(get_settings().secret("link_secret"))


def feedback_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/feedback/{token}"


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe/{token}"


def make_feedback_link(
    base_url: str,
    contact_id: str,
    lead_id: str,
    outcome: Outcome,
    *,
    structure_siret: str | None = None,
    signer: LinkSigner | None = None,
) -> str:
    """``<base>/feedback/<token>``: the endpoint verifies the token, records
    ``feedback.recorded`` and shows the confirmation page."""
    token = (signer or default_signer()).feedback_token(
        contact_id, lead_id, outcome, structure_siret
    )
    return feedback_url(base_url, token)


def verify_feedback_token(
    token: str, max_age: timedelta | int = FEEDBACK_MAX_AGE, *, signer: LinkSigner | None = None
) -> FeedbackClaim:
    """The claim a feedback token carries; raises :class:`TamperedLink`,
    :class:`ExpiredLink` or :class:`WrongPurpose` (all :class:`LinkError`)."""
    return (signer or default_signer()).verify_feedback(token, max_age)


def make_unsubscribe_link(
    base_url: str,
    contact_id: str,
    *,
    structure_siret: str | None = None,
    signer: LinkSigner | None = None,
) -> str:
    """``<base>/unsubscribe/<token>``: GET shows a confirmation form, POST (the RFC 8058
    one-click request from the mail client, or the form) unsubscribes."""
    token = (signer or default_signer()).unsubscribe_token(contact_id, structure_siret)
    return unsubscribe_url(base_url, token)


def verify_unsubscribe_token(
    token: str, max_age: timedelta | int = UNSUBSCRIBE_MAX_AGE, *, signer: LinkSigner | None = None
) -> UnsubscribeClaim:
    return (signer or default_signer()).verify_unsubscribe(token, max_age)
