"""Another system subscribes to our events, knowing only the published AsyncAPI document.

It uses plain aio-pika and jsonschema, no code of this project: it declares its own queue
in the test's vhost, binds it to ``chantiers.events``, and validates every message it gets
against the payload schema that ``docs/asyncapi.yaml`` gives for the message's channel
(its routing key). The four services run as real processes on real SIAE structures (those
of the notices' departments, with demo contacts) and real BOAMP notices; a person answers one email.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import jsonschema
import pytest
import yaml

pytestmark = [pytest.mark.stack, pytest.mark.slow]

ASYNCAPI = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"
SERVICES = ("structures", "prospects", "matching", "notifications")
CHANTIERS = str(Path(sys.executable).parent / "chantiers")


class Subscriber:
    """The other system: its own queue, bound to everything, and the schemas it trusts."""

    def __init__(self, amqp_url: str, document: dict[str, Any]) -> None:
        self.amqp_url = amqp_url
        self.document = document
        self.channels = {c["address"]: c for c in document["channels"].values()}
        self.received: list[aio_pika.abc.AbstractIncomingMessage] = []
        self.last_at = time.monotonic()

    async def start(self) -> None:
        self.connection = await aio_pika.connect_robust(self.amqp_url)
        channel = await self.connection.channel()
        exchange = await channel.declare_exchange(
            "chantiers.events", aio_pika.ExchangeType.TOPIC, durable=True, passive=True)
        queue = await channel.declare_queue("crm-reseau-siae.events", durable=True,
                                            arguments={"x-queue-type": "quorum"})
        await queue.bind(exchange, routing_key="#")

        async def keep(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                self.received.append(message)
                self.last_at = time.monotonic()

        await queue.consume(keep)

    def validator(self, routing_key: str, event_type: str | None) -> jsonschema.Validator:
        """The schema of the message of this channel whose AMQP message type this is."""
        channel = self.channels[routing_key]
        for ref in channel["messages"].values():
            message = self._resolve(ref["$ref"])
            if message["bindings"]["amqp"]["messageType"] == event_type:
                schema = {**self.document, **message["payload"]}
                return jsonschema.Draft202012Validator(
                    schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        raise AssertionError(f"{routing_key}: no message of type {event_type}")

    def _resolve(self, ref: str) -> Any:
        node: Any = self.document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node


def received_keys(subscriber: Subscriber) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in subscriber.received:
        counts[message.routing_key or ""] = counts.get(message.routing_key or "", 0) + 1
    return counts


def start_service(name: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    proc = subprocess.Popen([CHANTIERS, "run", name, "--port", str(port)], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{name} exited:\n{log.read_text()[-3000:]}"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{name} not ready:\n{log.read_text()[-3000:]}")


def cli(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([CHANTIERS, *args], env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, f"chantiers {args}:\n{result.stdout}\n{result.stderr}"


async def quiet(subscriber: Subscriber, ports: dict[str, int], seconds: float = 3.0,
                timeout: float = 240) -> None:
    """Nothing pending in the services and nothing new for the subscriber for a while."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        await asyncio.sleep(0.5)
        busy = False
        async with httpx.AsyncClient(timeout=60) as http:
            for port in ports.values():
                try:
                    stats = (await http.get(f"http://127.0.0.1:{port}/stats")).json()
                except httpx.TimeoutException:
                    busy = True  # too busy to answer: not quiet
                    continue
                busy |= any(v for k, v in stats.items()
                            if k == "outbox_pending" or k.startswith("pending"))
        if not busy and time.monotonic() - subscriber.last_at > seconds:
            return
    raise TimeoutError("the services did not settle")


async def test_another_system_receives_events_that_match_the_published_schemas(
        isolated_env, data_dir: Path, tmp_path: Path) -> None:
    document = yaml.safe_load(ASYNCAPI.read_text(encoding="utf-8"))
    env = {**os.environ, **isolated_env.env()}
    ports = dict(isolated_env.ports)
    # The real structures of the departments the notices are about (about 1,500 of the
    # 3,853), so that the run stays shorter than with the whole registry.
    notices = data_dir / "boamp/boamp_full_records_45.json"
    departments = {d for record in json.loads(notices.read_text())["results"]
                   for d in record.get("code_departement") or []}
    structures = [r for r in json.loads((data_dir / "siae/lemarche_01_siaes.json").read_text())
                  if r["fields"].get("department") in departments]
    siae_file = tmp_path / "siae_subset.json"
    siae_file.write_text(json.dumps(structures))

    procs = []
    subscriber = Subscriber(isolated_env.amqp_url, document)
    try:
        for name in SERVICES:
            procs.append(start_service(name, ports[name], env,
                                       isolated_env.folder / f"{name}.log"))
        await subscriber.start()

        # In threads: the subscriber keeps consuming (and heartbeating) meanwhile.
        await asyncio.to_thread(cli, env, "ingest", "siae", str(siae_file), "--demo-contacts")
        await asyncio.to_thread(cli, env, "ingest", "boamp", str(notices), "--replay-today")
        await quiet(subscriber, ports)

        # A person answers the first email they got: one click on « Intéressé ».
        emails = isolated_env.emails()
        assert emails, ("the pipeline sent no email: nothing for notifications to publish "
                        f"(received: {received_keys(subscriber)})")
        html = emails[0].read_text(encoding="utf-8", errors="replace")
        link = re.search(r'href="(http[^"]+/feedback/[^"]+)"[^>]*>Intéressé<', html)
        assert link, "no answer link in the email"
        async with httpx.AsyncClient(timeout=10) as http:
            assert (await http.get(link.group(1))).status_code == 200
        await quiet(subscriber, ports)
    finally:
        for proc in procs:  # each service with its worker processes
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(30)
        if getattr(subscriber, "connection", None) is not None:
            await subscriber.connection.close()

    seen: dict[str, int] = {}
    for message in subscriber.received:
        body = json.loads(message.body)
        routing_key = message.routing_key or ""
        assert routing_key in subscriber.channels, f"undocumented routing key {routing_key}"
        errors = sorted(subscriber.validator(routing_key, message.type).iter_errors(body),
                        key=str)
        assert not errors, f"{routing_key}: {errors[0].message} at {list(errors[0].path)}"
        # The AMQP properties say what the body says.
        assert message.message_id == body["id"]
        assert message.type == body["type"]
        assert message.content_type == "application/json"
        assert (message.headers or {}).get("x-schema-version") == body["version"]
        assert routing_key == f"{body['producer']}.{body['type']}"
        seen[routing_key] = seen.get(routing_key, 0) + 1

    for expected in ("structures.structure.registered", "structures.activity.added",
                     "structures.contact.subscribed", "prospects.tender.published",
                     "matching.lead.scored", "notifications.feedback.recorded"):
        assert seen.get(expected), f"no {expected} received (got {seen})"
    assert seen.get("notifications.alert.sent") or seen.get("notifications.digest.sent")
