"""Structure tokens, and what the API's searches need: distances in PostgreSQL
(cube + earthdistance, with a GiST index on each structure's point) and accent-blind text
search (unaccent).

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tokens",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("siret", sa.Text, sa.ForeignKey("structures.siret", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("hash", sa.Text, nullable=False, unique=True),
        sa.Column("label", sa.Text),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("tokens_siret", "tokens", ["siret"])
    # Both are in PostgreSQL's contrib package; creating them needs a superuser or the
    # database owner with the extensions trusted (cube is, earthdistance is not).
    op.execute("CREATE EXTENSION IF NOT EXISTS cube")
    op.execute("CREATE EXTENSION IF NOT EXISTS earthdistance")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE INDEX structures_point ON structures USING gist (ll_to_earth(lat, lon)) "
               "WHERE lat IS NOT NULL AND lon IS NOT NULL")
    op.create_index("activities_siret_status", "activities", ["siret", "status"])


def downgrade() -> None:
    op.drop_index("activities_siret_status", "activities")
    op.execute("DROP INDEX IF EXISTS structures_point")
    op.drop_index("tokens_siret", "tokens")
    op.drop_table("tokens")
