"""The API's guard: ``Authorization: Bearer <token>`` on every route of ``api``.

401 (French, with a ``WWW-Authenticate`` challenge) when the token is missing, unknown or
revoked; 403 when a structure token names another structure. Errors have the shape of
structures' API: ``{"detail": [{"field", "code", "message"}]}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chantiers_common.http_problems import ErrorOut, problem
from chantiers_common.service import ServiceContext, service_context

from . import access_store
from .access import ADMIN, Principal, is_admin_token

Ctx = Annotated[ServiceContext, Depends(service_context)]

_bearer = HTTPBearer(
    auto_error=False,
    description="Le jeton d'administration (toutes les structures), ou le jeton d'une "
                "structure délivré par le service structures (ses pistes seulement).",
)
_REALM = 'Bearer realm="matching"'


UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut,
          "description": "Jeton absent, inconnu ou révoqué (en-tête « Authorization: "
                         "Bearer … »)"},
}


async def principal(
    ctx: Ctx,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Who reads, from ``Authorization: Bearer <token>``; 401 when missing or unknown.

    A token issued a moment ago may be unknown here for as long as its ``token.issued``
    takes to arrive (usually milliseconds): matching learns tokens from events only."""
    if credentials is None or not credentials.credentials:
        raise problem(401, "authorization", "token.missing",
                      "jeton manquant : en-tête « Authorization: Bearer <jeton> » attendu",
                      {"WWW-Authenticate": _REALM})
    token = credentials.credentials
    if is_admin_token(token, ctx.settings.secret("admin_token")):
        return ADMIN
    async with ctx.sessions() as session:
        found = await access_store.principal_for(session, token)
    if found is None:
        raise problem(401, "authorization", "token.invalid", "jeton inconnu ou révoqué",
                      {"WWW-Authenticate": f'{_REALM}, error="invalid_token"'})
    return found


Caller = Annotated[Principal, Depends(principal)]
