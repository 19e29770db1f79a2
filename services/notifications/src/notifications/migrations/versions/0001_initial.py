"""Contacts, leads, digest queue, deliveries, feedback, outbox and inbox.

Revision ID: 0001
"""

from alembic import op

from chantiers_common.migrations import create_outbox_and_inbox

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    from notifications.db import contacts, deliveries, digest_pending, feedback, leads

    bind = op.get_bind()
    for table in (contacts, leads, digest_pending, deliveries, feedback):
        table.create(bind)
    create_outbox_and_inbox()


def downgrade() -> None:
    for name in ("feedback", "deliveries", "digest_pending", "leads", "contacts", "outbox",
                 "inbox"):
        op.drop_table(name)
