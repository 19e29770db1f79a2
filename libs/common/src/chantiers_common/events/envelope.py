"""The envelope every event travels in, whatever its producer.

The body of each AMQP message is the JSON of an :class:`Envelope`; the same id, type and
schema version are also copied to the message properties (``message_id``, ``type``) and to
the ``x-schema-version`` header so that a broker operator can read them without decoding the
body. The W3C trace context travels in the headers (``traceparent``), never in the body.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Payload = TypeVar("Payload", bound=BaseModel)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Contract(BaseModel):
    """Base of every event payload.

    ``extra="ignore"``: a consumer ignores fields it does not know (newer minor producers);
    what it cannot parse is rejected and dead-lettered by the consumer middleware.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    # Set by each concrete contract: the event type ("tender.published"), its schema
    # version, and the service that produces it.
    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    producer: ClassVar[str]
    # Services allowed to publish this contract (the owner first). A fact about one
    # service's data may be learnt by another: a contact unsubscribes through a link that
    # notifications serves, and structures, which owns contacts, records it.
    also_produced_by: ClassVar[tuple[str, ...]] = ()
    # Internal events carry personal data (contacts' emails) and are never forwarded to
    # third parties (webhooks, external subscribers' documentation).
    internal: ClassVar[bool] = False

    @classmethod
    def producers(cls) -> tuple[str, ...]:
        return (cls.producer, *cls.also_produced_by)

    @classmethod
    def routing_key(cls, producer: str | None = None) -> str:
        producer = producer or cls.producer
        if producer not in cls.producers():
            raise ValueError(f"{producer} does not publish {cls.event_type}")
        return f"{producer}.{cls.event_type}"

    @classmethod
    def routing_keys(cls) -> list[str]:
        return [cls.routing_key(p) for p in cls.producers()]


class Envelope(BaseModel, Generic[Payload]):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, description="Unique event id")
    type: str = Field(description="Event type, e.g. tender.published")
    version: int = Field(ge=1, description="Schema version of `data` for this type")
    occurred_at: datetime = Field(default_factory=utcnow)
    producer: str = Field(description="Service that produced the event")
    data: Payload

    @classmethod
    def wrap(cls, payload: Contract, *, event_id: uuid.UUID | None = None,
             occurred_at: datetime | None = None, producer: str | None = None,
             ) -> Envelope[Any]:
        producer = producer or payload.producer
        payload.routing_key(producer)  # checks that this producer may publish it
        return Envelope[type(payload)](  # type: ignore[misc]
            id=event_id or uuid.uuid4(),
            type=payload.event_type,
            version=payload.version,
            occurred_at=occurred_at or utcnow(),
            producer=producer,
            data=payload,
        )

    @property
    def routing_key(self) -> str:
        return f"{self.producer}.{self.type}"
