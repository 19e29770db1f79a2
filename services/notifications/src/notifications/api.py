"""Public pages behind the links in the emails: one-click answers and unsubscribe."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from chantiers_common.service import ServiceContext, service_context

from .answers import UnknownLead, record_feedback, unsubscribe
from .cards import OUTCOME_LABELS
from .links import LinkError, LinkSigner
from .rendering import render_page

router = APIRouter(tags=["links"])
Ctx = Annotated[ServiceContext, Depends(service_context)]

_STATUS = {"tampered": 400, "wrong_purpose": 400, "expired": 410}


def _signer(ctx: ServiceContext) -> LinkSigner:
    return LinkSigner(ctx.settings.secret("link_secret"))


def _error_page(kind: str, error: LinkError) -> HTMLResponse:
    return HTMLResponse(render_page(kind, state=error.kind),  # type: ignore[arg-type]
                        status_code=_STATUS.get(error.kind, 400))


@router.get("/feedback/{token}", response_class=HTMLResponse)
async def answer(ctx: Ctx, token: str) -> HTMLResponse:
    """Record a one-click answer (Intéressé, Pas intéressé, …) and confirm it in French."""
    try:
        claim = _signer(ctx).verify_feedback(token)
    except LinkError as error:
        return _error_page("feedback", error)
    try:
        async with ctx.sessions.begin() as session:
            _, title = await record_feedback(session, claim)
    except UnknownLead:
        return HTMLResponse(render_page("feedback", state="tampered"), status_code=404)
    return HTMLResponse(render_page("feedback", state="recorded", lead_title=title,
                                    outcome_label=OUTCOME_LABELS[claim.outcome]))


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
async def confirm_unsubscribe(ctx: Ctx, token: str) -> HTMLResponse:
    """A person who opens the link confirms with one button (mail scanners open links:
    a GET must not unsubscribe anyone, RFC 8058)."""
    try:
        _signer(ctx).verify_unsubscribe(token)
    except LinkError as error:
        return _error_page("unsubscribe", error)
    return HTMLResponse(render_page("unsubscribe", state="confirm",
                                    action_url=f"/unsubscribe/{token}"))


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
async def do_unsubscribe(ctx: Ctx, token: str) -> HTMLResponse:
    """One-click unsubscribe (``List-Unsubscribe-Post``) and the confirmation button."""
    try:
        claim = _signer(ctx).verify_unsubscribe(token)
    except LinkError as error:
        return _error_page("unsubscribe", error)
    async with ctx.sessions.begin() as session:
        contact = await unsubscribe(session, claim)
    if contact is None:
        return HTMLResponse(render_page("unsubscribe", state="tampered"), status_code=404)
    return HTMLResponse(render_page("unsubscribe", state="done"))
