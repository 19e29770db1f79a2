"""Who may read which leads (no I/O): the admin token every structure's, a structure
token its own structure's only.

Structure tokens are issued by the structures service; matching learns each one's sha256
from ``token.issued`` and its end from ``token.revoked`` (see ``access_store``), so a
presented token is checked here without calling structures. The admin token comes from
the settings (``CHANTIERS_ADMIN_TOKEN``), the same secret structures uses, and is
compared in constant time.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

ADMIN_TOKEN_ID = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is reading: the admin (``siret`` None) or the holder of one structure's token."""

    token_id: str
    siret: str | None

    @property
    def is_admin(self) -> bool:
        return self.siret is None

    def may_read(self, structure_siret: str) -> bool:
        return self.is_admin or self.siret == structure_siret


ADMIN = Principal(token_id=ADMIN_TOKEN_ID, siret=None)


class OtherStructure(Exception):
    """A structure token asked for another structure's leads."""

    def __init__(self, siret: str) -> None:
        super().__init__(siret)
        self.siret = siret


def is_admin_token(presented: str, admin_token: str) -> bool:
    """Constant time: the comparison does not tell how many leading characters match.
    An empty configured token makes nobody admin (rather than everybody)."""
    if not admin_token:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), admin_token.encode("utf-8"))


def leads_scope(principal: Principal, requested: str | None) -> str | None:
    """The SIRET a lead listing is restricted to (None: every structure, admin only).

    A structure token without ``siret`` lists its own structure's leads, not everyone's;
    naming another structure is refused (:class:`OtherStructure`, a 403: the caller chose
    that SIRET, so refusing it reveals nothing it did not know)."""
    if principal.is_admin:
        return requested
    if requested is None or requested == principal.siret:
        return principal.siret
    raise OtherStructure(requested)
