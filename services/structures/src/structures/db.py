"""The structures service's own database: structures, activities, contacts, tokens."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from chantiers_common.tables import inbox_table, outbox_table

metadata = MetaData()

structures = Table(
    "structures",
    metadata,
    Column("siret", Text, primary_key=True),
    Column("siren", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("brand", Text),
    Column("department", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("active", Boolean, nullable=False, server_default="true"),
    # The whole Structure contract, as published (the columns above are for searching).
    Column("data", JSONB, nullable=False),
    Column("description", Text),
    Column("fingerprint", Text, nullable=False),
    Column("source_pk", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("structures_department", "department"),
    Index("structures_kind", "kind"),
)

activities = Table(
    "activities",
    metadata,
    Column("id", Text, primary_key=True),
    Column("siret", Text, ForeignKey("structures.siret", ondelete="CASCADE"), nullable=False),
    Column("sector", Text, nullable=False),
    Column("status", Text, nullable=False),  # suggested | confirmed | rejected
    Column("confidence", Float),
    Column("triggers", ARRAY(Text), nullable=False, server_default="{}"),
    Column("data", JSONB, nullable=False),  # the Activity contract
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("activities_siret", "siret"),
    Index("activities_sector", "sector"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("siret", Text, ForeignKey("structures.siret", ondelete="CASCADE"), nullable=False),
    Column("email", Text, nullable=False),
    Column("data", JSONB, nullable=False),  # the Contact contract
    Column("unsubscribed_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("contacts_siret", "siret"),
    Index("contacts_siret_email", "siret", "email", unique=True),
)

# Structure tokens: only the sha256 of each token is kept (see ``tokens.py`` for why a
# fast hash is enough for random tokens). Revoked tokens stay, for the audit trail.
tokens = Table(
    "tokens",
    metadata,
    Column("id", Text, primary_key=True),
    Column("siret", Text, ForeignKey("structures.siret", ondelete="CASCADE"), nullable=False),
    Column("hash", Text, nullable=False, unique=True),
    Column("label", Text),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
    Index("tokens_siret", "siret"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
