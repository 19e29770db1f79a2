"""The notifications service's own database: contacts and leads (from events), what is
waiting for a digest, every delivery keyed by its idempotency key, answers received."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from chantiers_common.tables import inbox_table, outbox_table

metadata = MetaData()

contacts = Table(
    "contacts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("siret", Text, nullable=False),
    Column("data", JSONB, nullable=False),  # Contact contract
    Column("unsubscribed_at", DateTime(timezone=True)),
    # The address a permanent failure was reported for: not tried again until it changes.
    Column("bounced_email", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("notifications_contacts_siret", "siret"),
)

leads = Table(
    "leads",
    metadata,
    Column("id", Text, primary_key=True),
    Column("siret", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", Text, nullable=False),  # active | withdrawn
    Column("data", JSONB, nullable=False),  # Lead contract
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

digest_pending = Table(
    "digest_pending",
    metadata,
    Column("contact_id", Text, nullable=False),
    Column("lead_id", Text, nullable=False),
    Column("queued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("contact_id", "lead_id"),
)

deliveries = Table(
    "deliveries",
    metadata,
    # alert:<contact>:<lead> or digest:<contact>:<period>, recorded before sending.
    Column("key", Text, primary_key=True),
    Column("kind", Text, nullable=False),  # alert | digest
    Column("contact_id", Text, nullable=False),
    Column("siret", Text, nullable=False),
    Column("lead_ids", ARRAY(Text), nullable=False),
    Column("period", Text),
    # pending → sending → sent | failed; `unknown` when a sender died while sending.
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text),
    Column("message_id", Text),
    Column("trace", JSONB, nullable=False, server_default="{}"),  # W3C context of the lead
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("claimed_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Index("deliveries_due", "next_attempt_at", postgresql_where="status = 'pending'"),
    Index("deliveries_contact_day", "contact_id", "kind", "created_at"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("contact_id", Text, nullable=False),
    Column("lead_id", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("contact_id", "lead_id"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
