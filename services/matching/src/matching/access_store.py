"""Structure tokens as matching knows them: from ``token.issued`` and ``token.revoked``
(handlers, on the handler's asyncpg connection), and the lookup of a presented token by
its sha256 (the API). Only the hash is kept, as in structures.

Revocation is final and may be seen first (a ``token.issued`` redelivered after its
``token.revoked``): it leaves a row without hash that the later issue fills in while the
revocation stays.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common.events.structures import token_sha256

from .access import Principal
from .db import access_tokens


async def grant(conn: asyncpg.Connection, token_id: str, siret: str, sha256: str,
                issued_at: datetime) -> None:
    await conn.execute(
        """
        INSERT INTO access_tokens (token_id, siret, token_sha256, issued_at)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (token_id) DO UPDATE
            SET siret = EXCLUDED.siret, token_sha256 = EXCLUDED.token_sha256,
                issued_at = EXCLUDED.issued_at, updated_at = now()
        """, token_id, siret, sha256, issued_at)


async def revoke(conn: asyncpg.Connection, token_id: str, siret: str,
                 revoked_at: datetime) -> None:
    await conn.execute(
        """
        INSERT INTO access_tokens (token_id, siret, revoked_at) VALUES ($1, $2, $3)
        ON CONFLICT (token_id) DO UPDATE
            SET revoked_at = COALESCE(access_tokens.revoked_at, EXCLUDED.revoked_at),
                updated_at = now()
        """, token_id, siret, revoked_at)


async def principal_for(session: AsyncSession, token: str) -> Principal | None:
    """The structure a presented token reads for; None for an unknown or revoked one.
    One indexed lookup by hash: nothing to compare in constant time, since the hash of a
    wrong guess tells nothing about the right token."""
    row = (await session.execute(
        select(access_tokens.c.token_id, access_tokens.c.siret)
        .where(access_tokens.c.token_sha256 == token_sha256(token),
               access_tokens.c.revoked_at.is_(None)))).first()
    return None if row is None else Principal(token_id=row.token_id, siret=row.siret)
