"""How an envelope maps to an AMQP message, in one place for producers and the relay."""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION_HEADER = "x-schema-version"
REASON_HEADER = "x-dead-letter-reason"
ORIGINAL_QUEUE_HEADER = "x-original-queue"
ORIGINAL_ROUTING_KEY_HEADER = "x-original-routing-key"
CONTENT_TYPE = "application/json"


def message_properties(
    *, event_id: str, event_type: str, version: int, headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Keyword arguments for ``broker.publish`` (besides body, exchange and routing key)."""
    return {
        "message_id": event_id,
        "message_type": event_type,
        "content_type": CONTENT_TYPE,
        "headers": {**(headers or {}), SCHEMA_VERSION_HEADER: version},
        # Persistent, mandatory (an unroutable event raises), confirmed by the channel.
        "persist": True,
        "mandatory": True,
    }


def death_count(headers: dict[str, Any], queue: str) -> int:
    """How many times RabbitMQ dead-lettered this message out of ``queue`` (retries)."""
    total = 0
    for death in headers.get("x-death") or []:
        if isinstance(death, dict) and death.get("queue") == queue:
            total += int(death.get("count", 1))
    return total
