"""The notifications service's own database: contacts and leads (from events), what is
waiting for a digest, every delivery keyed by its idempotency key, answers received."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

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
    # When the contact event applied last happened (0002): an older event, retried after
    # a newer one, does not bring old preferences back.
    Column("event_at", DateTime(timezone=True)),
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
    Index("digest_pending_queued", "queued_at"),  # 0002
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
    # The sender's look for rows left `sending` by a stopped sender (0002).
    Index("deliveries_sending", "claimed_at", postgresql_where=text("status = 'sending'")),
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

# Every lead that went into a message to a contact (alert or digest), so that a later
# version of the lead is not sent to that contact again as if it were new (0002).
contact_leads = Table(
    "contact_leads",
    metadata,
    Column("contact_id", Text, nullable=False),
    Column("lead_id", Text, nullable=False),
    Column("delivery_key", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("contact_id", "lead_id"),
)

# Webhooks (0002): other systems' URLs and the events they want, in AMQP topic syntax.
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("url", Text, nullable=False),
    Column("pattern", Text, nullable=False),
    # Needed in clear to sign each delivery; never returned by the API.
    Column("secret", Text, nullable=False),
    Column("description", Text),
    Column("status", Text, nullable=False, server_default="active"),  # active | paused
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("paused_at", DateTime(timezone=True)),
    # A delivery loop (of any replica) holds a subscription until then: one sender per
    # subscription keeps its deliveries in order.
    Column("lease_until", DateTime(timezone=True)),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    # The order events were fanned out in: each subscription gets them in this order.
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("id", UUID(as_uuid=True), nullable=False, unique=True),  # X-Chantiers-Delivery
    Column("subscription_id", UUID(as_uuid=True),
           ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("routing_key", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),  # pending | delivered
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False,
           server_default=func.now()),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("delivered_at", DateTime(timezone=True)),
    # A redelivered event is fanned out once per subscription.
    UniqueConstraint("subscription_id", "event_id", name="webhook_deliveries_once"),
    Index("webhook_deliveries_head", "subscription_id", "seq",
          postgresql_where=text("status = 'pending'")),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
