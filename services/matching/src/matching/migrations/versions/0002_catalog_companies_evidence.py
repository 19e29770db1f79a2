"""Catalog versions, companies, award pairs, backfill jobs, feedback and evidence; lead
fingerprints and provenance.

0001 creates its tables from the live definitions of ``matching.db``: on a fresh
database the new columns and indexes of those tables exist already, on a database made by
the first version they do not. Hence ``if_not_exists`` below.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("structures", "activities"):
        op.add_column(table, sa.Column("catalog_version", sa.BigInteger(), nullable=False,
                                       server_default="0"), if_not_exists=True)
    op.add_column("tenders", sa.Column("sectors", ARRAY(sa.Text()), nullable=False,
                                       server_default="{}"), if_not_exists=True)
    op.add_column("tenders", sa.Column("matches", JSONB(), nullable=False,
                                       server_default=sa.text("'[]'::jsonb")),
                  if_not_exists=True)
    for name in ("fingerprint", "activity_id", "sector", "naf", "department",
                 "counterpart_siret"):
        op.add_column("leads", sa.Column(name, sa.Text()), if_not_exists=True)
    op.create_index("leads_counterpart", "leads", ["counterpart_siret"], if_not_exists=True)
    op.create_index("leads_activity", "leads", ["activity_id"], if_not_exists=True)
    op.create_index("leads_best", "leads", ["score", "updated_at"], if_not_exists=True)
    # Open tenders by sector, for the backfill of a new activity.
    op.execute("CREATE INDEX IF NOT EXISTS tenders_open_sectors ON tenders USING gin (sectors)"
               " WHERE status = 'open'")

    op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO catalog_version (id, version) VALUES (1, 0)")
    op.create_table(
        "companies",
        sa.Column("siret", sa.Text(), primary_key=True),
        sa.Column("siren", sa.Text(), nullable=False),
        sa.Column("name", sa.Text()),
        sa.Column("enseigne", sa.Text()),
        sa.Column("naf", sa.Text()),
        sa.Column("headcount_band", sa.Text()),
        sa.Column("created_on", sa.Date()),
        sa.Column("commune_insee", sa.Text()),
        sa.Column("post_code", sa.Text()),
        sa.Column("department", sa.Text()),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("category", sa.Text()),
        sa.Column("ess", sa.Boolean()),
        sa.Column("mission", sa.Boolean()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    # A new activity looks for the active companies of some NAF codes in a box of
    # latitudes (radius areas) or in some departments: NAF first, then the place.
    op.execute("CREATE INDEX companies_naf_lat ON companies (naf, lat) WHERE active")
    op.execute("CREATE INDEX companies_naf_department ON companies (naf, department)"
               " WHERE active")

    op.create_table(
        "award_pairs",
        sa.Column("idweb", sa.Text(), primary_key=True),
        sa.Column("winner_siret", sa.Text(), primary_key=True),
        sa.Column("buyer_siret", sa.Text(), nullable=False),
    )
    op.create_table(
        "backfill_jobs",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("siret", sa.Text(), nullable=False),
        sa.Column("activity_id", sa.Text()),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    op.create_table(
        "feedback",
        sa.Column("lead_id", sa.Text(), primary_key=True),
        sa.Column("contact_id", sa.Text(), primary_key=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("sector", sa.Text()),
        sa.Column("naf_division", sa.Text()),
        sa.Column("department", sa.Text()),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "evidence",
        sa.Column("sector", sa.Text(), primary_key=True),
        sa.Column("naf_division", sa.Text(), primary_key=True),
        sa.Column("department", sa.Text(), primary_key=True),
        sa.Column("counts", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )


def downgrade() -> None:
    for name in ("evidence", "feedback", "backfill_jobs", "award_pairs", "companies",
                 "catalog_version"):
        op.drop_table(name)
    op.execute("DROP INDEX IF EXISTS tenders_open_sectors")
    for name in ("leads_counterpart", "leads_activity", "leads_best"):
        op.drop_index(name, table_name="leads")
    for name in ("fingerprint", "activity_id", "sector", "naf", "department",
                 "counterpart_siret"):
        op.drop_column("leads", name)
    op.drop_column("tenders", "matches")
    op.drop_column("tenders", "sectors")
    op.drop_column("activities", "catalog_version")
    op.drop_column("structures", "catalog_version")
