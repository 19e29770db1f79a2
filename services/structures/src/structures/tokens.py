"""Who may change what: the admin token, and structure tokens bound to one SIRET.

A structure token is 32 random bytes (256 bits) from ``secrets``. Only its sha256 is
stored. A slow password hash (bcrypt, argon2) exists to make guessing *low-entropy*
secrets expensive after a database leak; nobody can enumerate 2^256 candidates, so a
fast hash loses nothing here and keeps each request's check to one indexed lookup.
The admin token comes from the settings (``CHANTIERS_ADMIN_TOKEN``) and is compared in
constant time.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass

from chantiers_common.events.structures import token_sha256

# Makes a leaked token recognisable (secret scanners, logs) and tells it from the admin's.
TOKEN_PREFIX = "cas_"
ADMIN_TOKEN_ID = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the admin (every structure) or the holder of one structure's token."""

    token_id: str
    siret: str | None  # None: the admin token

    @property
    def is_admin(self) -> bool:
        return self.siret is None

    def may_act_on(self, siret: str) -> bool:
        return self.is_admin or self.siret == siret


ADMIN = Principal(token_id=ADMIN_TOKEN_ID, siret=None)


@dataclass(frozen=True)
class IssuedToken:
    id: str
    token: str  # shown once, never stored
    hash: str


def token_hash(token: str) -> str:
    # The contract's digest: matching finds a presented token by the hash published in
    # ``token.issued``, so both services must hash alike.
    return token_sha256(token)


def issue_token() -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return IssuedToken(id=str(uuid.uuid4()), token=token, hash=token_hash(token))


def is_admin_token(presented: str, admin_token: str) -> bool:
    """Constant time: the comparison does not tell how many leading characters match."""
    if not admin_token:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), admin_token.encode("utf-8"))
