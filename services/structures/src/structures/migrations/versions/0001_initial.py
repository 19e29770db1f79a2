"""Structures, activities, contacts, outbox and inbox.

Revision ID: 0001
"""

from alembic import op

from chantiers_common.migrations import create_outbox_and_inbox

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    from structures.db import activities, contacts, structures

    bind = op.get_bind()
    for table in (structures, activities, contacts):
        table.create(bind)
    create_outbox_and_inbox()


def downgrade() -> None:
    for name in ("contacts", "activities", "structures", "outbox", "inbox"):
        op.drop_table(name)
