"""Companies (SIRENE establishments) and text search on tenders and companies.

Written out table by table (not from ``prospects.db``), so that later changes to the
models never change what this revision did.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Kept equal to prospects.db.*_SEARCH_VECTOR (a unit test checks it).
TENDER_SEARCH_VECTOR = "to_tsvector('prospects_french'::regconfig, title || ' ' || buyer)"
COMPANY_SEARCH_VECTOR = (
    "to_tsvector('prospects_simple'::regconfig, "
    "coalesce(name, '') || ' ' || coalesce(enseigne, ''))"
)


def upgrade() -> None:
    # Accent-insensitive search: "proprete" finds "PROPRETÉ" and "propreté".
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE TEXT SEARCH CONFIGURATION prospects_french (COPY = french)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION prospects_french "
        "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem"
    )
    op.execute("CREATE TEXT SEARCH CONFIGURATION prospects_simple (COPY = simple)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION prospects_simple "
        "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple"
    )
    op.execute(f"CREATE INDEX tenders_search ON tenders USING gin (({TENDER_SEARCH_VECTOR}))")

    op.create_table(
        "companies",
        sa.Column("siret", sa.Text, primary_key=True),
        sa.Column("siren", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("enseigne", sa.Text),
        sa.Column("naf", sa.Text),
        sa.Column("naf2025", sa.Text),
        sa.Column("headcount_band", sa.Text),
        sa.Column("created_on", sa.Date),
        sa.Column("address", sa.Text),
        sa.Column("commune_insee", sa.Text),
        sa.Column("post_code", sa.Text),
        sa.Column("department", sa.Text),
        sa.Column("lat", sa.Double),
        sa.Column("lon", sa.Double),
        sa.Column("location_source", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("category", sa.Text),
        sa.Column("ess", sa.Boolean),
        sa.Column("mission", sa.Boolean),
        # md5 of the company's JSON document (prospects.company_bulk.fingerprint)
        sa.Column("fingerprint", UUID(as_uuid=True), nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    # Where each batch of a load is copied before the set-based upsert (see
    # prospects.company_sql): the COPY columns, the row's fingerprint and source.
    # UNLOGGED: its content never outlives a load, so it needs no WAL.
    op.create_table(
        "companies_staging",
        sa.Column("siret", sa.Text),
        sa.Column("siren", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("enseigne", sa.Text),
        sa.Column("naf", sa.Text),
        sa.Column("naf2025", sa.Text),
        sa.Column("headcount_band", sa.Text),
        sa.Column("created_on", sa.Date),
        sa.Column("address", sa.Text),
        sa.Column("commune_insee", sa.Text),
        sa.Column("post_code", sa.Text),
        sa.Column("department", sa.Text),
        sa.Column("lat", sa.Double),
        sa.Column("lon", sa.Double),
        sa.Column("location_source", sa.Text),
        sa.Column("active", sa.Boolean),
        sa.Column("category", sa.Text),
        sa.Column("ess", sa.Boolean),
        sa.Column("mission", sa.Boolean),
        sa.Column("fingerprint", UUID(as_uuid=True), nullable=False),
        sa.Column("source", sa.Text),
        prefixes=["UNLOGGED"],
    )
    op.execute(
        "CREATE INDEX companies_department_naf ON companies (department, naf text_pattern_ops)"
    )
    op.execute("CREATE INDEX companies_naf ON companies (naf text_pattern_ops)")
    op.execute(f"CREATE INDEX companies_search ON companies USING gin (({COMPANY_SEARCH_VECTOR}))")


def downgrade() -> None:
    op.drop_table("companies_staging")
    op.drop_table("companies")
    op.execute("DROP INDEX IF EXISTS tenders_search")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS prospects_simple")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS prospects_french")
