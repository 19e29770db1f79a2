"""Publishing events: persistent, confirmed, and unroutable publishes raise."""

from __future__ import annotations

from typing import Any, Protocol

from faststream.rabbit import RabbitBroker

from ..events import Contract, Envelope
from .messages import message_properties
from .topology import events_exchange


class RawPublisher(Protocol):
    """What the outbox relay needs: publish one serialised event."""

    async def publish_raw(self, *, body: bytes | str, routing_key: str, event_id: str,
                          event_type: str, version: int,
                          headers: dict[str, Any] | None = None) -> None: ...


class EventPublisher:
    """Publishes envelopes on the events exchange.

    Services normally publish through their outbox (``chantiers_common.outbox``); this is
    what the outbox relay (and tests playing a producer) call.
    """

    def __init__(self, broker: RabbitBroker) -> None:
        self._broker = broker
        self._exchange = events_exchange()

    async def publish_raw(
        self,
        *,
        body: bytes | str,
        routing_key: str,
        event_id: str,
        event_type: str,
        version: int,
        headers: dict[str, Any] | None = None,
    ) -> None:
        await self._broker.publish(
            body.encode() if isinstance(body, str) else body,
            exchange=self._exchange,
            routing_key=routing_key,
            **message_properties(
                event_id=event_id, event_type=event_type, version=version, headers=headers
            ),
        )

    async def publish(self, envelope: Envelope[Any]) -> None:
        await self.publish_raw(
            body=envelope.model_dump_json(),
            routing_key=envelope.routing_key,
            event_id=str(envelope.id),
            event_type=envelope.type,
            version=envelope.version,
        )

    async def publish_contract(self, payload: Contract) -> Envelope[Any]:
        envelope = Envelope.wrap(payload)
        await self.publish(envelope)
        return envelope
