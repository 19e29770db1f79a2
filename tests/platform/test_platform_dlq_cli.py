"""`chantiers dlq list|show|replay` on a real service's dead-letter queue."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
import pytest

from chantiers_common.bus.messages import ORIGINAL_QUEUE_HEADER, REASON_HEADER
from chantiers_common.events import Envelope
from chantiers_common.events.common_types import AlertMode
from chantiers_common.events.structures import Contact, ContactSubscribed
from chantiers_testing.env import IsolatedEnv, wait_until
from chantiers_testing.services import run_cli, running

pytestmark = pytest.mark.stack


async def _publish(env: IsolatedEnv, exchange: str, routing_key: str, body: bytes,
                   message_id: str, headers: dict | None = None) -> None:  # type: ignore[type-arg]
    connection = await aio_pika.connect(env.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        target = await channel.get_exchange(exchange)
        await target.publish(aio_pika.Message(body, message_id=message_id, headers=headers,
                                              delivery_mode=2), routing_key=routing_key)


def depth(env: IsolatedEnv) -> int:
    """The DLQ's depth straight from the broker (cheap enough to poll)."""

    async def count() -> int:
        connection = await aio_pika.connect(env.amqp_url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue("notifications.dlq", passive=True)
            return queue.declaration_result.message_count or 0

    return asyncio.run(count())


def dlq_count(env: IsolatedEnv) -> int:
    """The DLQ's depth as `chantiers dlq list` shows it."""
    out = run_cli(env, "dlq", "list").stdout
    row = next(line for line in out.splitlines() if "notifications.dlq" in line)
    return int(row.split("│")[2].strip())


def test_dead_letters_are_listed_shown_with_reasons_and_replayed(
    isolated_env: IsolatedEnv
) -> None:
    env = isolated_env
    with running(env, "notifications") as procs:
        asyncio.run(_publish(env, "chantiers.events", "matching.lead.scored",
                             b'{"not": "an envelope"}', "poison-1"))
        wait_until(lambda: depth(env) == 1, timeout=30, what="the poison message")
        assert dlq_count(env) == 1

        shown = [json.loads(line) for line in
                 run_cli(env, "dlq", "show", "notifications", "--json").stdout.splitlines()]
        assert [s["message_id"] for s in shown] == ["poison-1"]
        assert "envelope lacks" in shown[0]["reason"]
        assert shown[0]["routing_key"] == "matching.lead.scored"
        assert dlq_count(env) == 1  # showing does not consume

        # A valid event dead-lettered during an outage, replayed once things are fixed.
        contact = Contact(id=str(uuid.uuid4()), structure_siret="80746931700018",
                          email="atelier@example.org", alert_mode=AlertMode.DAILY)
        body = Envelope.wrap(ContactSubscribed(contact=contact)).model_dump_json().encode()
        asyncio.run(_publish(env, "chantiers.dlq", "notifications", body, "parked-1",
                             {REASON_HEADER: "failed 4 times, last: database down",
                              ORIGINAL_QUEUE_HEADER: "notifications"}))
        wait_until(lambda: depth(env) == 2, timeout=30)
        replayed = run_cli(env, "dlq", "replay", "notifications", "--id", "parked-1")
        assert "1 message(s) replayed" in replayed.stdout
        wait_until(lambda: procs["notifications"].get("/stats").json()["contacts"] == 1,
                   timeout=30, what="the replayed contact")
        assert dlq_count(env) == 1  # the poison message stays until someone fixes it
