"""The asyncpg connection under a SQLAlchemy session, for the hot paths.

Handlers receive a session whose transaction also holds the inbox claim; statements run
on its driver connection share that transaction. Raw asyncpg skips SQLAlchemy's
per-statement overhead and sends arrays (``unnest``) for set-based writes.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession


async def raw(session: AsyncSession) -> asyncpg.Connection:
    connection = await session.connection()
    dbapi = await connection.get_raw_connection()
    return dbapi.driver_connection  # type: ignore[return-value]


def as_json(value: Any) -> Any:
    """JSON columns come back decoded (SQLAlchemy sets a codec on its connections) or as
    text (a plain asyncpg connection): accept both."""
    return json.loads(value) if isinstance(value, str) else value
