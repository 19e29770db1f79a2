"""The broker topology, declared the same way by every service.

- ``chantiers.events``: one durable topic exchange; routing keys ``<service>.<entity>.<fact>``.
- One durable **quorum** queue per consumer (e.g. ``matching``) bound to the routing keys
  it needs, with a delivery limit (a message that crashes its consumer again and again is
  not redelivered forever) and a dead-letter exchange.
- Dead-lettering from a consumer queue goes to ``chantiers.retry`` → ``<queue>.retry``, a
  TTL queue that sends the message back to its queue after a delay (the delayed-retry
  step). The consumer counts earlier attempts in the ``x-death`` header and, past
  ``max_retries``, moves the message to ``<queue>.dlq`` (through ``chantiers.dlq``) with
  its reason in ``x-dead-letter-reason``. Invalid events go straight to the DLQ.
- ``chantiers.event-log``: a stream bound to the routing key of every known contract. It
  keeps a week of events for audit and replay, and it makes every *known* event routable
  even before its consumers exist, while a mistyped routing key still fails the
  (mandatory) publish.
"""

from __future__ import annotations

from dataclasses import dataclass

from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue

from ..events import CONTRACTS

EVENTS_EXCHANGE = "chantiers.events"
RETRY_EXCHANGE = "chantiers.retry"
DLQ_EXCHANGE = "chantiers.dlq"

EVENT_LOG = "chantiers.event-log"

# A delivery that fails (crash, timeout) this many times is dead-lettered by RabbitMQ.
DELIVERY_LIMIT = 5


def events_exchange() -> RabbitExchange:
    return RabbitExchange(EVENTS_EXCHANGE, type=ExchangeType.TOPIC, durable=True)


def retry_exchange() -> RabbitExchange:
    return RabbitExchange(RETRY_EXCHANGE, type=ExchangeType.DIRECT, durable=True)


def dlq_exchange() -> RabbitExchange:
    return RabbitExchange(DLQ_EXCHANGE, type=ExchangeType.DIRECT, durable=True)


@dataclass(frozen=True)
class ConsumerQueue:
    """A consumer's queue and the routing keys (patterns) it is bound to."""

    name: str
    bindings: tuple[str, ...]

    @property
    def retry_name(self) -> str:
        return f"{self.name}.retry"

    @property
    def dlq_name(self) -> str:
        return f"{self.name}.dlq"

    def queue(self, *, declare: bool = True) -> RabbitQueue:
        return RabbitQueue(
            self.name,
            queue_type=QueueType.QUORUM,
            durable=True,
            declare=declare,
            arguments={
                "x-delivery-limit": DELIVERY_LIMIT,
                "x-dead-letter-exchange": RETRY_EXCHANGE,
                "x-dead-letter-routing-key": self.name,
                # With at-least-once dead-lettering a message leaves the queue only once
                # the retry queue has confirmed it: nothing is lost between the two.
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )

    def retry_queue(self, delay_ms: int) -> RabbitQueue:
        return RabbitQueue(
            self.retry_name,
            queue_type=QueueType.QUORUM,
            durable=True,
            arguments={
                "x-message-ttl": delay_ms,
                # Back to the consumer's own queue through the default exchange.
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": self.name,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )

    def dead_letter_queue(self) -> RabbitQueue:
        return RabbitQueue(self.dlq_name, queue_type=QueueType.QUORUM, durable=True)


def event_log_queue() -> RabbitQueue:
    return RabbitQueue(
        EVENT_LOG,
        queue_type=QueueType.STREAM,
        durable=True,
        arguments={"x-max-age": "7D", "x-max-length-bytes": 2_000_000_000},
    )


async def declare(broker: object, consumer: ConsumerQueue | None, retry_delay_ms: int) -> None:
    """Declare the exchanges and, for a consumer, its three queues and its bindings.

    Idempotent, and safe to run from several replicas at once.
    """
    from faststream.rabbit import RabbitBroker

    assert isinstance(broker, RabbitBroker)
    events = await broker.declare_exchange(events_exchange())
    retry = await broker.declare_exchange(retry_exchange())
    dlq = await broker.declare_exchange(dlq_exchange())
    log = await broker.declare_queue(event_log_queue())
    for routing_key in sorted({k for c in CONTRACTS.values() for k in c.routing_keys()}):
        await log.bind(events, routing_key=routing_key)
    if consumer is None:
        return
    main = await broker.declare_queue(consumer.queue())
    for pattern in consumer.bindings:
        await main.bind(events, routing_key=pattern)
    retry_q = await broker.declare_queue(consumer.retry_queue(retry_delay_ms))
    await retry_q.bind(retry, routing_key=consumer.name)
    dead = await broker.declare_queue(consumer.dead_letter_queue())
    await dead.bind(dlq, routing_key=consumer.name)
