"""The outbox relay's publisher: serialised events straight onto an aio-pika channel.

The relay publishes what is already serialised, with the trace context the writer
stored; going through FastStream's publish path (a middleware stack and two spans per
message) cost the relay most of its time. Same guarantees: persistent messages, publisher
confirms, mandatory routing (an unroutable publish raises), a robust connection that
reconnects after a broker restart.
"""

from __future__ import annotations

from typing import Any

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractRobustConnection

from .messages import CONTENT_TYPE, SCHEMA_VERSION_HEADER
from .topology import EVENTS_EXCHANGE


class ChannelPublisher:
    def __init__(self, url: str, *, app_id: str) -> None:
        self._url = url
        self._app_id = app_id
        self._connection: AbstractRobustConnection | None = None
        self._exchange: AbstractExchange | None = None

    async def connect(self) -> ChannelPublisher:
        self._connection = await aio_pika.connect_robust(self._url)
        channel = await self._connection.channel(publisher_confirms=True,
                                                 on_return_raises=True)
        self._exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        return self

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
        assert self._exchange is not None, "connect() first"
        await self._exchange.publish(
            aio_pika.Message(
                body.encode() if isinstance(body, str) else body,
                message_id=event_id,
                type=event_type,
                content_type=CONTENT_TYPE,
                app_id=self._app_id,
                headers={**(headers or {}), SCHEMA_VERSION_HEADER: version},
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=routing_key,
            mandatory=True,
        )

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
