"""Tenders, quarantine, outbox and inbox.

Revision ID: 0001
"""

from alembic import op

from chantiers_common.migrations import create_outbox_and_inbox

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    from prospects.db import quarantine, tenders

    bind = op.get_bind()
    for table in (tenders, quarantine):
        table.create(bind)
    create_outbox_and_inbox()


def downgrade() -> None:
    for name in ("quarantine", "tenders", "outbox", "inbox"):
        op.drop_table(name)
