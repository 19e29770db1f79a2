"""Alembic, driven from code: each service keeps its migrations in its own package
(``<service>/migrations``) and runs them at start-up, one replica at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

# Any constant works; replicas of one service share a database, so one lock per database.
_MIGRATION_LOCK = 72_210_001


def _config(script_location: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    command.upgrade(_config(script_location, url), revision)


async def upgrade_async(script_location: Path, url: str) -> None:
    # Alembic's commands are synchronous and env.py runs its own event loop: a thread.
    await asyncio.to_thread(upgrade, script_location, url)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's ``env.py``."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url

    def do_run(connection: Connection) -> None:
        connection.execute(text(f"SELECT pg_advisory_lock({_MIGRATION_LOCK})"))
        try:
            context.configure(connection=connection, target_metadata=target_metadata)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            connection.execute(text(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK})"))
            connection.commit()

    async def run_async() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(do_run)
        finally:
            await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_async())


def create_outbox_and_inbox() -> None:
    """For each service's first migration: the outbox (with its NOTIFY trigger) and inbox."""
    from alembic import op

    from .tables import OUTBOX_NOTIFY_SQL, inbox_table, outbox_table

    metadata = MetaData()
    for table in (outbox_table(metadata), inbox_table(metadata)):
        table.create(op.get_bind())
    for statement in OUTBOX_NOTIFY_SQL:
        op.execute(statement)
