"""Structures, activities, contacts, outbox and inbox.

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
        "structures",
        sa.Column("siret", sa.Text(), nullable=False),
        sa.Column("siren", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("brand", sa.Text(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("source_pk", sa.Integer(), nullable=True),
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
        sa.PrimaryKeyConstraint("siret"),
    )
    op.create_index("structures_department", "structures", ["department"], unique=False)
    op.create_index("structures_kind", "structures", ["kind"], unique=False)
    op.create_table(
        "activities",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("siret", sa.Text(), nullable=False),
        sa.Column("sector", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("triggers", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
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
        sa.ForeignKeyConstraint(["siret"], ["structures.siret"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("activities_sector", "activities", ["sector"], unique=False)
    op.create_index("activities_siret", "activities", ["siret"], unique=False)
    op.create_table(
        "contacts",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("siret", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.ForeignKeyConstraint(["siret"], ["structures.siret"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("contacts_siret", "contacts", ["siret"], unique=False)
    op.create_index("contacts_siret_email", "contacts", ["siret", "email"], unique=True)
    # The platform's tables (outbox with its NOTIFY trigger, inbox), as every service has.
    create_outbox_and_inbox()


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS outbox_notify() CASCADE")
    op.drop_table("contacts")
    op.drop_table("activities")
    op.drop_table("structures")
    op.drop_table("outbox")
    op.drop_table("inbox")
