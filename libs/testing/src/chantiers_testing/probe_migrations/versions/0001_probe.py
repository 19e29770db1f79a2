"""Probe tables.

Revision ID: 0001
"""

from alembic import op

from chantiers_common.migrations import create_outbox_and_inbox

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    from chantiers_testing.probe import seen

    seen.create(op.get_bind())
    create_outbox_and_inbox()


def downgrade() -> None:
    for name in ("seen", "outbox", "inbox"):
        op.drop_table(name)
