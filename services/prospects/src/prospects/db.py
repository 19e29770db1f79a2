"""The prospects service's own database: tenders, quarantined notices, companies."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    MetaData,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from chantiers_common.tables import inbox_table, outbox_table

metadata = MetaData()

tenders = Table(
    "tenders",
    metadata,
    Column("idweb", Text, primary_key=True),
    Column("nature", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("buyer", Text, nullable=False),
    Column("departments", ARRAY(Text), nullable=False, server_default="{}"),
    Column("cpv_codes", ARRAY(Text), nullable=False, server_default="{}"),
    Column("published_on", Date),
    Column("deadline", DateTime(timezone=True)),
    Column("data", JSONB, nullable=False),  # the Tender contract
    Column("fingerprint", Text, nullable=False),
    Column("source", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("tenders_departments", "departments", postgresql_using="gin"),
    Index("tenders_cpv", "cpv_codes", postgresql_using="gin"),
    Index("tenders_deadline", "deadline"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("kind", Text, nullable=False),  # boamp | sirene
    Column("source", Text, nullable=False),
    Column("ref", Text),  # idweb or SIRET when known
    Column("reason", Text, nullable=False),
    Column("raw", JSONB, nullable=False),
    # The same bad record loaded twice is kept once.
    Column("raw_hash", Text, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
