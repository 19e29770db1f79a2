"""``token.issued`` for the tokens issued before structures published it.

Matching learns structure tokens from ``token.issued`` (it protects the leads with them).
Tokens issued by an earlier version were never announced: this revision queues one event
per token still valid, in the outbox, for the relay to publish when the service starts.
Revoked tokens need none (matching never knew them).

Plain SQL with the envelope written out, not the live contract: this revision must keep
producing ``token.issued`` v1 whatever the code says later.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        WITH valid AS (
            SELECT gen_random_uuid() AS event_id, id, siret, hash, created_at
            FROM tokens WHERE revoked_at IS NULL
        )
        INSERT INTO outbox (event_id, event_type, version, routing_key, body)
        SELECT event_id, 'token.issued', 1, 'structures.token.issued',
               jsonb_build_object(
                   'id', event_id, 'type', 'token.issued', 'version', 1,
                   'occurred_at', now(), 'producer', 'structures',
                   'data', jsonb_build_object('token_id', id, 'siret', siret,
                                              'token_sha256', hash,
                                              'issued_at', created_at))::text
        FROM valid ORDER BY created_at
        """)


def downgrade() -> None:
    pass  # events already published cannot be taken back; unpublished ones are harmless
