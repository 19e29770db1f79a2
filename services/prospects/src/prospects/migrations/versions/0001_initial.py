"""Tenders, quarantine, outbox and inbox.

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
        "quarantine",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("raw_hash", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("raw_hash"),
    )
    op.create_table(
        "tenders",
        sa.Column("idweb", sa.Text(), nullable=False),
        sa.Column("nature", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("buyer", sa.Text(), nullable=False),
        sa.Column("departments", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("cpv_codes", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
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
        sa.PrimaryKeyConstraint("idweb"),
    )
    op.create_index("tenders_cpv", "tenders", ["cpv_codes"], unique=False, postgresql_using="gin")
    op.create_index("tenders_deadline", "tenders", ["deadline"], unique=False)
    op.create_index(
        "tenders_departments", "tenders", ["departments"], unique=False, postgresql_using="gin"
    )
    # The platform's tables (outbox with its NOTIFY trigger, inbox), as every service has.
    create_outbox_and_inbox()


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS outbox_notify() CASCADE")
    op.drop_table("tenders")
    op.drop_table("quarantine")
    op.drop_table("outbox")
    op.drop_table("inbox")
