"""``/subscriptions``: other systems register a URL, an AMQP topic pattern and a secret;
matching public events are then POSTed to them, signed (see ``domain``). Operators only:
every route needs ``Authorization: Bearer <CHANTIERS_ADMIN_TOKEN>``."""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, field_validator

from chantiers_common.http_problems import has_nul
from chantiers_common.service import ServiceContext, service_context

from . import store
from .domain import InvalidSubscription, validate_pattern, validate_secret, validate_url
from .fanout import bind, unbind_unused

_bearer = HTTPBearer(auto_error=False)


def require_admin(
    ctx: Annotated[ServiceContext, Depends(service_context)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ServiceContext:
    expected = ctx.settings.secret("admin_token")
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "admin bearer token required",
                            headers={"WWW-Authenticate": "Bearer"})
    return ctx


Admin = Annotated[ServiceContext, Depends(require_admin)]
router = APIRouter(prefix="/subscriptions", tags=["webhooks"])


class SubscriptionIn(BaseModel):
    url: str = Field(description="Where events are POSTed (http or https)")
    pattern: str = Field(description="Routing keys wanted, AMQP topic syntax: "
                                     "'matching.lead.*', 'notifications.#', '#'")
    secret: str = Field(description="Shared secret of the HMAC-SHA256 signature "
                                    "(at least 16 characters); never shown again")
    description: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if has_nul(value):
            raise ValueError("NUL character (U+0000) not allowed")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _checked(validate_url, value)

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        return _checked(validate_pattern, value)

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str) -> str:
        return _checked(validate_secret, value)


def _checked(check, value: str) -> str:  # type: ignore[no-untyped-def]
    try:
        return check(value)  # type: ignore[no-any-return]
    except InvalidSubscription as exc:
        raise ValueError(str(exc)) from None


class SubscriptionOut(BaseModel):
    id: uuid.UUID
    url: str
    pattern: str
    description: str | None
    status: str = Field(description="active, or paused after repeated failures")
    consecutive_failures: int
    last_error: str | None
    created_at: datetime
    paused_at: datetime | None
    pending: int = Field(description="Deliveries waiting (in order) for this subscriber")
    delivered: int


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SubscriptionOut)
async def create(ctx: Admin, body: SubscriptionIn) -> dict[str, object]:
    """Register a subscriber; events published from now on are delivered to it."""
    await bind(ctx, [body.pattern])
    async with ctx.sessions.begin() as session:
        return await store.create(session, url=body.url, pattern=body.pattern,
                                  secret=body.secret, description=body.description)


@router.get("", response_model=list[SubscriptionOut])
async def list_subscriptions(ctx: Admin) -> list[dict[str, object]]:
    async with ctx.sessions() as session:
        return await store.list_all(session)


@router.get("/{subscription_id}", response_model=SubscriptionOut)
async def get_subscription(ctx: Admin, subscription_id: uuid.UUID) -> dict[str, object]:
    async with ctx.sessions() as session:
        found = await store.get(session, subscription_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such subscription")
    return found


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_subscription(ctx: Admin, subscription_id: uuid.UUID) -> Response:
    """Stop delivering; waiting deliveries are dropped."""
    async with ctx.sessions.begin() as session:
        pattern = await store.remove(session, subscription_id)
    if pattern is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such subscription")
    await unbind_unused(ctx, pattern)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{subscription_id}/resume", response_model=SubscriptionOut)
async def resume(ctx: Admin, subscription_id: uuid.UUID) -> dict[str, object]:
    """After a pause: deliver what waited, in order, starting now."""
    async with ctx.sessions.begin() as session:
        if not await store.resume(session, subscription_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such subscription")
        found = await store.get(session, subscription_id)
    assert found is not None
    return found
