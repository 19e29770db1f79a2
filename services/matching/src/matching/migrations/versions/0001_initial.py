"""Structures, activities, tenders, leads, outbox and inbox.

Revision ID: 0001

Explicit DDL (rendered by Alembic from the tables as they were when this revision was
written): later revisions change the schema from here, whatever ``db.py`` says today.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from chantiers_common.migrations import create_outbox_and_inbox

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("siret", sa.Text(), nullable=False),
        sa.Column("sector", sa.Text(), nullable=False),
        sa.Column("removed", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("matching_activities_sector", "activities", ["sector"], unique=False)
    op.create_index("matching_activities_siret", "activities", ["siret"], unique=False)
    op.create_table(
        "leads",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("structure_siret", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("prospect_ref", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("structure_siret", "kind", "prospect_ref", name="leads_pair"),
    )
    op.create_index("leads_prospect", "leads", ["prospect_ref"], unique=False)
    op.create_index("leads_structure_score", "leads", ["structure_siret", "score"], unique=False)
    op.create_table(
        "structures",
        sa.Column("siret", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("siret"),
    )
    op.create_table(
        "tenders",
        sa.Column("idweb", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("idweb"),
    )
    # The platform's tables (outbox with its NOTIFY trigger, inbox), as every service has.
    create_outbox_and_inbox()


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS outbox_notify() CASCADE")
    op.drop_table("tenders")
    op.drop_table("structures")
    op.drop_table("outbox")
    op.drop_table("leads")
    op.drop_table("inbox")
    op.drop_table("activities")
