"""Typed dependencies of the routes: the service context, who is calling, and whether
they may act on the structure of the path."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chantiers_common.http_problems import problem
from chantiers_common.service import ServiceContext, service_context

from .. import token_store
from ..tokens import ADMIN, Principal, is_admin_token
from ..validation import check_siret

Ctx = Annotated[ServiceContext, Depends(service_context)]

_bearer = HTTPBearer(
    auto_error=False,
    description="Le jeton d'administration, ou le jeton d'une structure (il ne donne accès "
                "qu'à elle).",
)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="structures"'}


async def principal(
    ctx: Ctx,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Who calls, from ``Authorization: Bearer <token>``; 401 when missing or unknown."""
    if credentials is None or not credentials.credentials:
        raise problem(401, "authorization", "token.missing",
                      "jeton manquant : en-tête « Authorization: Bearer <jeton> » attendu",
                      _CHALLENGE)
    token = credentials.credentials
    if is_admin_token(token, ctx.settings.secret("admin_token")):
        return ADMIN
    async with ctx.sessions() as session:
        found = await token_store.principal_for(session, token)
    if found is None:
        raise problem(401, "authorization", "token.invalid", "jeton inconnu ou révoqué",
                      {"WWW-Authenticate": 'Bearer realm="structures", error="invalid_token"'})
    return found


Caller = Annotated[Principal, Depends(principal)]


def checked_siret(siret: Annotated[str, Path(description="SIRET (14 chiffres)")]) -> str:
    return check_siret(siret)


Siret = Annotated[str, Depends(checked_siret)]


def structure_access(caller: Caller, siret: Siret) -> Principal:
    """The caller, if it may act on the structure of the path (403 otherwise)."""
    if not caller.may_act_on(siret):
        raise problem(403, "authorization", "token.other_structure",
                      f"ce jeton ne donne pas accès à la structure {siret}")
    return caller


def admin_only(caller: Caller) -> Principal:
    if not caller.is_admin:
        raise problem(403, "authorization", "token.not_admin",
                      "réservé au jeton d'administration")
    return caller


Writer = Annotated[Principal, Depends(structure_access)]
Admin = Annotated[Principal, Depends(admin_only)]
