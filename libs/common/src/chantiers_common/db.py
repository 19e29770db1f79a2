"""Async SQLAlchemy engine and sessions, and the database each service owns."""

from __future__ import annotations

import contextlib

import asyncpg
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .settings import Settings


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    # No pre-ping (a round trip per transaction): a connection broken by a database
    # restart fails its transaction once, which the consumer retries like any failure.
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def asyncpg_dsn(settings: Settings, database: str) -> str:
    return (
        f"postgresql://{settings.pg_credentials()}@{settings.pg_host}:{settings.pg_port}"
        f"/{database}"
    )


class DatabaseUnavailable(RuntimeError):
    pass


async def ensure_database(settings: Settings, service: str) -> None:
    """Create the service's database when missing (fail fast, naming what was tried)."""
    name = settings.database_name(service)
    target = f"{settings.pg_user}@{settings.pg_host}:{settings.pg_port}/postgres"
    try:
        conn = await asyncpg.connect(asyncpg_dsn(settings, "postgres"), timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise DatabaseUnavailable(
            f"{service}: cannot reach PostgreSQL at {target}: {exc}"
            " (is the stack up? `chantiers stack up`)"
        ) from exc
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # Another replica may create it first.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(settings: Settings, service: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(settings, "postgres"), timeout=5)
    try:
        await conn.execute(
            f'DROP DATABASE IF EXISTS "{settings.database_name(service)}" WITH (FORCE)'
        )
    finally:
        await conn.close()
