"""`chantiers dlq list|show|replay`: inspect and replay dead letters with their reasons."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aio_pika
import typer
from rich.console import Console
from rich.table import Table

from chantiers_common.bus.messages import (
    ORIGINAL_QUEUE_HEADER,
    ORIGINAL_ROUTING_KEY_HEADER,
    REASON_HEADER,
)
from chantiers_common.settings import get_settings

from .run import services

console = Console()


def _dlq_name(queue: str) -> str:
    return queue if queue.endswith(".dlq") else f"{queue}.dlq"


async def _counts() -> list[tuple[str, int]]:
    connection = await aio_pika.connect(get_settings().amqp_url)
    rows = []
    async with connection:
        for service in sorted(services()):
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(f"{service}.dlq", passive=True)
                rows.append((queue.name, queue.declaration_result.message_count or 0))
            except aio_pika.exceptions.ChannelClosed:
                rows.append((f"{service}.dlq", -1))  # not declared yet
    return rows


async def _take(queue_name: str, limit: int) -> tuple[Any, list[aio_pika.IncomingMessage]]:
    connection = await aio_pika.connect(get_settings().amqp_url)
    channel = await connection.channel(publisher_confirms=True)
    await channel.set_qos(prefetch_count=0)
    queue = await channel.declare_queue(_dlq_name(queue_name), passive=True)
    messages = []
    while len(messages) < limit:
        message = await queue.get(no_ack=False, fail=False)
        if message is None:
            break
        messages.append(message)
    return connection, messages


def _describe(message: aio_pika.IncomingMessage) -> dict[str, Any]:
    headers = message.headers or {}
    return {
        "message_id": message.message_id,
        "type": message.type,
        "routing_key": headers.get(ORIGINAL_ROUTING_KEY_HEADER),
        "queue": headers.get(ORIGINAL_QUEUE_HEADER),
        "reason": headers.get(REASON_HEADER),
        "body": message.body[:2000].decode("utf-8", errors="replace"),
    }


async def _show(queue_name: str, limit: int, as_json: bool) -> None:
    connection, messages = await _take(queue_name, limit)
    async with connection:
        described = [_describe(m) for m in messages]
        for message in messages:
            await message.nack(requeue=True)  # only looking: put them back
    if as_json:
        for item in described:
            typer.echo(json.dumps(item, ensure_ascii=False))
        return
    table = Table("message id", "type", "routing key", "reason")
    for item in described:
        table.add_row(str(item["message_id"]), str(item["type"]), str(item["routing_key"]),
                      str(item["reason"]))
    console.print(table)
    console.print(f"{len(described)} message(s) shown from {_dlq_name(queue_name)}")


async def _replay(queue_name: str, message_id: str | None, limit: int) -> int:
    connection, messages = await _take(queue_name, limit)
    replayed = 0
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        for message in messages:
            headers = dict(message.headers or {})
            target = headers.get(ORIGINAL_QUEUE_HEADER) or queue_name.removesuffix(".dlq")
            if message_id and message.message_id != message_id:
                await message.nack(requeue=True)
                continue
            headers.pop(REASON_HEADER, None)
            headers["x-replayed-from"] = _dlq_name(queue_name)
            await channel.default_exchange.publish(
                aio_pika.Message(
                    message.body, headers=headers, message_id=message.message_id,
                    type=message.type, content_type=message.content_type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=str(target),
                mandatory=True,
            )
            await message.ack()  # only after the broker confirmed the copy
            replayed += 1
    return replayed


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    dlq = typer.Typer(help="Dead letters: list, show with reasons, replay.",
                      no_args_is_help=True)

    @dlq.command("list")
    def list_() -> None:
        """Dead-letter queues and how many messages each holds."""
        table = Table("queue", "messages")
        for name, count in asyncio.run(_counts()):
            table.add_row(name, "—" if count < 0 else str(count))
        console.print(table)

    @dlq.command()
    def show(
        queue: str = typer.Argument(..., help="A service (matching) or a queue (matching.dlq)"),
        limit: int = typer.Option(20, min=1),
        json_: bool = typer.Option(False, "--json", help="One JSON object per line"),
    ) -> None:
        """Show dead letters with their reasons (they stay in the queue)."""
        asyncio.run(_show(queue, limit, json_))

    @dlq.command()
    def replay(
        queue: str = typer.Argument(..., help="A service (matching) or a queue (matching.dlq)"),
        message_id: str = typer.Option(None, "--id", help="Only this message id"),
        limit: int = typer.Option(10_000, min=1),
    ) -> None:
        """Send dead letters back to the queue they came from."""
        count = asyncio.run(_replay(queue, message_id, limit))
        console.print(f"{count} message(s) replayed from {_dlq_name(queue)}")

    app.add_typer(dlq, name="dlq")
