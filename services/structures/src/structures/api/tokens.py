"""Structure tokens (admin): issue one (shown once), list them, revoke one."""

from __future__ import annotations

from fastapi import APIRouter, Response

from .. import store, token_store
from .deps import Admin, Ctx, Siret
from .errors import ERRORS, ApiRoute
from .models import TokenIn, TokenIssued, TokenOut

router = APIRouter(tags=["tokens"], route_class=ApiRoute, responses=ERRORS)


@router.post("/structures/{siret}/tokens", response_model=TokenIssued, status_code=201)
async def issue_token(ctx: Ctx, siret: Siret, caller: Admin,
                      body: TokenIn | None = None) -> TokenIssued:
    """A token that reads and writes this structure only. Returned once; only its
    sha256 is kept."""
    label = body.label if body else None
    async with ctx.sessions.begin() as session:
        issued = await token_store.issue(session, caller, siret, label)
    return TokenIssued(id=issued.id, siret=siret, label=label, token=issued.token)


@router.get("/structures/{siret}/tokens", response_model=list[TokenOut])
async def list_tokens(ctx: Ctx, siret: Siret, caller: Admin) -> list[TokenOut]:
    async with ctx.sessions() as session:
        await store.get_structure(session, siret)
        return [TokenOut(**vars(info)) for info in
                await token_store.structure_tokens(session, siret)]


@router.delete("/structures/{siret}/tokens/{token_id}", status_code=204)
async def revoke_token(ctx: Ctx, siret: Siret, token_id: str, caller: Admin) -> Response:
    async with ctx.sessions.begin() as session:
        await token_store.revoke(session, caller, siret, token_id)
    return Response(status_code=204)
