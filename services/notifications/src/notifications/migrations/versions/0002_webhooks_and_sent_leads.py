"""Webhook subscriptions and their deliveries; leads already sent to each contact; the
time of the last contact event applied.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("contacts", sa.Column("event_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "contact_leads",
        sa.Column("contact_id", sa.Text, nullable=False),
        sa.Column("lead_id", sa.Text, nullable=False),
        sa.Column("delivery_key", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("contact_id", "lead_id"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("pattern", sa.Text, nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default="active"),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("paused_at", sa.DateTime(timezone=True)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("subscription_id", UUID(as_uuid=True),
                  sa.ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("routing_key", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("subscription_id", "event_id", name="webhook_deliveries_once"),
    )
    op.create_index("webhook_deliveries_head", "webhook_deliveries",
                    ["subscription_id", "seq"], postgresql_where=sa.text("status = 'pending'"))
    # The scheduler looks every few seconds for what was queued before the last slot.
    op.create_index("digest_pending_queued", "digest_pending", ["queued_at"])
    # The sender looks for rows stuck in `sending` once a minute: without this index that
    # would read the whole (ever-growing) deliveries table.
    op.create_index("deliveries_sending", "deliveries", ["claimed_at"],
                    postgresql_where=sa.text("status = 'sending'"))


def downgrade() -> None:
    op.drop_index("deliveries_sending", table_name="deliveries")
    op.drop_index("digest_pending_queued", table_name="digest_pending")
    op.drop_table("webhook_deliveries")
    op.drop_table("subscriptions")
    op.drop_table("contact_leads")
    op.drop_column("contacts", "event_at")
