"""The matching service's own database: what it knows of structures, activities, tenders
and companies (from their events), the leads it produced, and what the field answered.

Revision 0001 creates its four tables from these definitions as they are *now*, so the
columns added later (0002) already exist on a fresh database: 0002 adds them only where
missing. New tables are created by their own migration, written out in full.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from chantiers_common.tables import inbox_table, outbox_table

metadata = MetaData()

structures = Table(
    "structures",
    metadata,
    Column("siret", Text, primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("data", JSONB, nullable=False),  # Structure contract
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The catalog version that wrote this row (see catalog_store).
    Column("catalog_version", BigInteger, nullable=False, server_default="0"),
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
    Column("catalog_version", BigInteger, nullable=False, server_default="0"),
    Index("matching_activities_sector", "sector"),
    Index("matching_activities_siret", "siret"),
)

tenders = Table(
    "tenders",
    metadata,
    Column("idweb", Text, primary_key=True),
    # open | expired | cancelled | awarded. Cancelled and awarded are final: a late
    # tender.published for a cancelled idweb finds its tombstone and makes no lead.
    Column("status", Text, nullable=False),
    Column("deadline", DateTime(timezone=True)),
    Column("data", JSONB, nullable=False),  # Tender contract
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sectors", ARRAY(Text), nullable=False, server_default="{}"),
    Column("matches", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
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
    # Hash of the score and the reasons: a new version only when it changes.
    Column("fingerprint", Text),
    Column("activity_id", Text),  # the activity the lead came from (its best)
    Column("sector", Text),
    Column("naf", Text),  # company and award leads: the company's NAF code
    Column("department", Text),
    Column("counterpart_siret", Text),
    UniqueConstraint("structure_siret", "kind", "prospect_ref", name="leads_pair"),
    Index("leads_structure_score", "structure_siret", "score"),
    Index("leads_prospect", "prospect_ref"),
    Index("leads_counterpart", "counterpart_siret"),
    Index("leads_activity", "activity_id"),
    Index("leads_best", "score", "updated_at"),
)

catalog_version = Table(
    "catalog_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

companies = Table(
    "companies",
    metadata,
    Column("siret", Text, primary_key=True),
    Column("siren", Text, nullable=False),
    Column("name", Text),
    Column("enseigne", Text),
    Column("naf", Text),
    Column("headcount_band", Text),
    Column("created_on", Date),
    Column("commune_insee", Text),
    Column("post_code", Text),
    Column("department", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("active", Boolean, nullable=False),
    Column("category", Text),
    Column("ess", Boolean),
    Column("mission", Boolean),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

award_pairs = Table(
    "award_pairs",
    metadata,
    Column("idweb", Text, primary_key=True),
    Column("winner_siret", Text, primary_key=True),
    Column("buyer_siret", Text, nullable=False),
)

backfill_jobs = Table(
    "backfill_jobs",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("siret", Text, nullable=False),
    Column("activity_id", Text),  # None: every activity of the structure
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

feedback = Table(
    "feedback",
    metadata,
    Column("lead_id", Text, primary_key=True),
    Column("contact_id", Text, primary_key=True),
    Column("outcome", Text, nullable=False),
    Column("sector", Text),
    Column("naf_division", Text),
    Column("department", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

evidence = Table(
    "evidence",
    metadata,
    Column("sector", Text, primary_key=True),
    Column("naf_division", Text, primary_key=True),
    Column("department", Text, primary_key=True),
    Column("counts", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Structure tokens, from structures' token events: who may read which structure's leads
# through the API. Only the sha256 of each token; ``token_sha256`` is None for a token
# whose revocation was seen before its issue (see ``access_store``).
access_tokens = Table(
    "access_tokens",
    metadata,
    Column("token_id", Text, primary_key=True),
    Column("siret", Text, nullable=False),
    Column("token_sha256", Text),
    Column("issued_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("access_tokens_sha256", "token_sha256", unique=True),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
