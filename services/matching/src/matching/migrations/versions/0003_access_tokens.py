"""Structure tokens (from ``token.issued`` / ``token.revoked``), which protect the API.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_tokens",
        sa.Column("token_id", sa.Text(), primary_key=True),
        sa.Column("siret", sa.Text(), nullable=False),
        # NULL while only the revocation is known (it may arrive before the issue).
        sa.Column("token_sha256", sa.Text()),
        sa.Column("issued_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    # Each request looks its token up by hash.
    op.create_index("access_tokens_sha256", "access_tokens", ["token_sha256"], unique=True)


def downgrade() -> None:
    op.drop_index("access_tokens_sha256", table_name="access_tokens")
    op.drop_table("access_tokens")
