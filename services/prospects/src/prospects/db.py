"""The prospects service's own database: tenders, quarantined records, companies."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Identity,
    Index,
    MetaData,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

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

# The columns a load copies (sirene.COPY_COLUMNS, kept equal by a unit test); not
# imported, so that reading the tables never loads the SIRENE reader.
_COPY_COLUMNS = (
    "siret", "siren", "name", "enseigne", "naf", "naf2025", "headcount_band", "created_on",
    "address", "commune_insee", "post_code", "department", "lat", "lon", "location_source",
    "active", "category", "ess", "mission",
)

# Text search (migration 0002): French stemming for tender titles and buyers, plain words
# for company names; both ignore accents, since people type "proprete" for "propreté".
TENDER_SEARCH_CONFIG = "prospects_french"
COMPANY_SEARCH_CONFIG = "prospects_simple"
TENDER_SEARCH_VECTOR = (
    f"to_tsvector('{TENDER_SEARCH_CONFIG}'::regconfig, title || ' ' || buyer)"
)
COMPANY_SEARCH_VECTOR = (
    f"to_tsvector('{COMPANY_SEARCH_CONFIG}'::regconfig, "
    "coalesce(name, '') || ' ' || coalesce(enseigne, ''))"
)

# One row per establishment (SIRET): the Company contract's fields, its location split
# into lat/lon, and a fingerprint of the content so that a reload finds what changed in
# one comparison per row.
companies = Table(
    "companies",
    metadata,
    Column("siret", Text, primary_key=True),
    Column("siren", Text, nullable=False),
    Column("name", Text),
    Column("enseigne", Text),
    Column("naf", Text),
    Column("naf2025", Text),
    Column("headcount_band", Text),
    Column("created_on", Date),
    Column("address", Text),
    Column("commune_insee", Text),
    Column("post_code", Text),
    Column("department", Text),
    Column("lat", Double),
    Column("lon", Double),
    Column("location_source", Text),
    Column("active", Boolean, nullable=False),
    Column("category", Text),
    Column("ess", Boolean),
    Column("mission", Boolean),
    Column("fingerprint", UUID(as_uuid=True), nullable=False),  # md5 of its Company JSON
    Column("source", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("companies_department_naf", "department", "naf",
          postgresql_ops={"naf": "text_pattern_ops"}),
    Index("companies_naf", "naf", postgresql_ops={"naf": "text_pattern_ops"}),
    Index("companies_search", text(COMPANY_SEARCH_VECTOR), postgresql_using="gin"),
)

# Where a load copies each batch before upserting it (UNLOGGED; see company_sql).
companies_staging = Table(
    "companies_staging",
    metadata,
    *(Column(c.name, c.type) for c in companies.columns if c.name in _COPY_COLUMNS),
    Column("fingerprint", UUID(as_uuid=True), nullable=False),
    Column("source", Text),
    prefixes=["UNLOGGED"],
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
