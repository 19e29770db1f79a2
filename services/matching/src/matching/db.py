"""The matching service's own database: what it knows of structures, activities, tenders
and companies (from their events), and the leads it produced."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from chantiers_common.tables import inbox_table, outbox_table

metadata = MetaData()

structures = Table(
    "structures",
    metadata,
    Column("siret", Text, primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("data", JSONB, nullable=False),  # Structure contract
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

activities = Table(
    "activities",
    metadata,
    Column("id", Text, primary_key=True),
    Column("siret", Text, nullable=False),
    Column("sector", Text, nullable=False),
    Column("removed", Boolean, nullable=False, server_default="false"),
    Column("data", JSONB, nullable=False),  # Activity contract
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("matching_activities_sector", "sector"),
    Index("matching_activities_siret", "siret"),
)

tenders = Table(
    "tenders",
    metadata,
    Column("idweb", Text, primary_key=True),
    Column("status", Text, nullable=False),  # open | cancelled | awarded
    Column("deadline", DateTime(timezone=True)),
    Column("data", JSONB, nullable=False),  # Tender contract
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

leads = Table(
    "leads",
    metadata,
    Column("id", Text, primary_key=True),
    Column("structure_siret", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("prospect_ref", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("score", Integer, nullable=False),
    Column("status", Text, nullable=False),  # active | withdrawn
    Column("data", JSONB, nullable=False),  # Lead contract
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("structure_siret", "kind", "prospect_ref", name="leads_pair"),
    Index("leads_structure_score", "structure_siret", "score"),
    Index("leads_prospect", "prospect_ref"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

