"""Public pages behind the links in the emails: one-click answers and unsubscribe.

No login: the signed, expiring token in the path is the credential. Every route first
asks the :class:`~.link_guard.LinkGuard` whether this client may be served (HTTP 429
otherwise), and reports tokens that do not verify to it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from chantiers_common.service import ServiceContext, service_context

from .answers import UnknownLead, record_feedback, unsubscribe
from .cards import OUTCOME_LABELS
from .link_guard import LinkGuard
from .links import LinkError, LinkSigner, TamperedLink
from .ratelimit import Decision
from .rendering import PageKind, render_page

Ctx = Annotated[ServiceContext, Depends(service_context)]

_STATUS = {"tampered": 400, "wrong_purpose": 400, "expired": 410}


def _html(description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description,
            "content": {"text/html": {"schema": {"type": "string"}}}, **extra}


# What the pages answer besides 200, for the OpenAPI (all are French HTML pages).
_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _html("The link is not valid (cut, changed, or meant for another button)."),
    410: _html("The link has expired."),
    429: _html(
        "Too many requests from this address, or too many invalid links: try again later.",
        headers={"Retry-After": {"description": "Seconds to wait before trying again.",
                                 "schema": {"type": "integer", "minimum": 1}}}),
}
_NOT_FOUND = {404: _html("The link is signed but its lead or contact is unknown here.")}


def _signer(ctx: ServiceContext) -> LinkSigner:
    return LinkSigner(ctx.settings.secret("link_secret"))


def _too_many(kind: PageKind, decision: Decision) -> HTMLResponse:
    wait = decision.retry_after_header
    return HTMLResponse(render_page(kind, state="rate_limited", wait_s=int(wait)),
                        status_code=429, headers={"Retry-After": wait})


def make_router(guard: LinkGuard) -> APIRouter:
    """The link routes, limited by ``guard`` (one per app: tests run several apps)."""
    router = APIRouter(tags=["links"], responses=_RESPONSES)

    def error_page(kind: PageKind, error: LinkError, client: str) -> HTMLResponse:
        if isinstance(error, TamperedLink):
            # Only a bad signature looks like guessing; an expired link or one for another
            # button was signed by us.
            guard.failed(client)
        return HTMLResponse(render_page(kind, state=error.kind),
                            status_code=_STATUS.get(error.kind, 400))

    @router.get("/feedback/{token}", response_class=HTMLResponse, responses=_NOT_FOUND)
    async def answer(ctx: Ctx, request: Request, token: str) -> HTMLResponse:
        """Record a one-click answer (Intéressé, Pas intéressé, …) and confirm it in French."""
        client = guard.client(request)
        if not (admitted := guard.admit(client)).allowed:
            return _too_many("feedback", admitted)
        try:
            claim = _signer(ctx).verify_feedback(token)
        except LinkError as error:
            return error_page("feedback", error, client)
        try:
            async with ctx.sessions.begin() as session:
                _, title = await record_feedback(session, claim)
        except UnknownLead:
            return HTMLResponse(render_page("feedback", state="tampered"), status_code=404)
        return HTMLResponse(render_page("feedback", state="recorded", lead_title=title,
                                        outcome_label=OUTCOME_LABELS[claim.outcome]))

    @router.get("/unsubscribe/{token}", response_class=HTMLResponse)
    async def confirm_unsubscribe(ctx: Ctx, request: Request, token: str) -> HTMLResponse:
        """A person who opens the link confirms with one button (mail scanners open links:
        a GET must not unsubscribe anyone, RFC 8058)."""
        client = guard.client(request)
        if not (admitted := guard.admit(client)).allowed:
            return _too_many("unsubscribe", admitted)
        try:
            _signer(ctx).verify_unsubscribe(token)
        except LinkError as error:
            return error_page("unsubscribe", error, client)
        return HTMLResponse(render_page("unsubscribe", state="confirm",
                                        action_url=f"/unsubscribe/{token}"))

    @router.post("/unsubscribe/{token}", response_class=HTMLResponse, responses=_NOT_FOUND)
    async def do_unsubscribe(ctx: Ctx, request: Request, token: str) -> HTMLResponse:
        """One-click unsubscribe (``List-Unsubscribe-Post``) and the confirmation button."""
        client = guard.client(request)
        if not (admitted := guard.admit(client)).allowed:
            return _too_many("unsubscribe", admitted)
        try:
            claim = _signer(ctx).verify_unsubscribe(token)
        except LinkError as error:
            return error_page("unsubscribe", error, client)
        async with ctx.sessions.begin() as session:
            contact = await unsubscribe(session, claim)
        if contact is None:
            return HTMLResponse(render_page("unsubscribe", state="tampered"), status_code=404)
        return HTMLResponse(render_page("unsubscribe", state="done"))

    return router
