"""A minimal service built with the platform (``build_app``) for the platform's own tests:
it records the events it handles in a ``seen`` table, and its handlers can be told to
fail, so that retries and dead letters can be observed on the real broker."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Column, DateTime, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from chantiers_common.bus.consumer import Handler
from chantiers_common.service import ServiceSpec
from chantiers_common.tables import inbox_table, outbox_table

metadata = MetaData()
seen = Table(
    "seen",
    metadata,
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("type", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
outbox_table(metadata)
inbox_table(metadata)

MIGRATIONS = Path(__file__).parent / "probe_migrations"


def probe_spec(
    name: str, bindings: tuple[str, ...], handlers: Mapping[str, Handler]
) -> ServiceSpec:
    return ServiceSpec(name=name, migrations=MIGRATIONS, consumer_bindings=bindings,
                       handlers=handlers)
