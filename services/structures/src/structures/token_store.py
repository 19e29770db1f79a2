"""Structure tokens in the database: issue (the token is returned once), revoke, and
find who a presented token belongs to.

Issuing and revoking publish ``token.issued`` / ``token.revoked`` through the outbox, in
the same transaction as the token's row: matching, which serves the leads, learns the
token's hash and its revocation from them and never from a call back here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events.structures import TokenIssued, TokenRevoked

from . import store
from .changes.audit import audit
from .db import tokens
from .errors import NotFound
from .tokens import IssuedToken, Principal, issue_token, token_hash


@dataclass(frozen=True)
class TokenInfo:
    id: str
    siret: str
    label: str | None
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


async def issue(session: AsyncSession, principal: Principal, siret: str,
                label: str | None = None) -> IssuedToken:
    await store.get_structure(session, siret)
    issued = issue_token()
    moment = store.now()
    await session.execute(insert(tokens).values(id=issued.id, siret=siret, hash=issued.hash,
                                                label=label, created_by=principal.token_id,
                                                created_at=moment))
    await outbox.add(session, TokenIssued(token_id=issued.id, siret=siret,
                                          token_sha256=issued.hash, issued_at=moment))
    await audit(session, principal, "token.issue", siret, issued.id)
    return issued


async def revoke(session: AsyncSession, principal: Principal, siret: str,
                 token_id: str) -> None:
    moment = store.now()
    result = await session.execute(
        update(tokens).where(tokens.c.id == token_id, tokens.c.siret == siret,
                             tokens.c.revoked_at.is_(None))
        .values(revoked_at=moment).returning(tokens.c.id))
    if result.first() is None:
        exists = await session.scalar(select(tokens.c.id).where(
            tokens.c.id == token_id, tokens.c.siret == siret))
        if exists is None:
            raise NotFound("token", f"aucun jeton {token_id} pour la structure {siret}")
        return  # already revoked (and its event published then)
    await outbox.add(session, TokenRevoked(token_id=token_id, siret=siret, revoked_at=moment))
    await audit(session, principal, "token.revoke", siret, token_id)


async def structure_tokens(session: AsyncSession, siret: str) -> list[TokenInfo]:
    rows = await session.execute(
        select(tokens.c.id, tokens.c.siret, tokens.c.label, tokens.c.created_by,
               tokens.c.created_at, tokens.c.revoked_at)
        .where(tokens.c.siret == siret).order_by(tokens.c.created_at))
    return [TokenInfo(**row._mapping) for row in rows]


async def principal_for(session: AsyncSession, token: str) -> Principal | None:
    """The structure a token acts for; None for an unknown or revoked token."""
    row = (await session.execute(
        select(tokens.c.id, tokens.c.siret)
        .where(tokens.c.hash == token_hash(token), tokens.c.revoked_at.is_(None)))).first()
    return None if row is None else Principal(token_id=row.id, siret=row.siret)
