"""Fault 4: malformed and wrong-version events on the bus are dead-lettered with their
reason, and the good ones flow on (real matching and notifications processes)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aio_pika
import pytest

from chantiers_cli.quiescence import wait_quiet
from chantiers_common.bus.messages import REASON_HEADER
from chantiers_common.events import Envelope
from chantiers_common.events.prospects import TenderPublished
from chantiers_testing.env import IsolatedEnv, wait_until
from chantiers_testing.scenario import known_structures, publish
from chantiers_testing.services import run_cli, running
from chantiers_testing.tenders import tender_records, write_page

from .faultlib import email_keys, lead_pairs, verdict

pytestmark = [pytest.mark.stack, pytest.mark.slow]

SECTOR = "creation-et-entretien-des-espaces-verts"


async def raw_publish(env: IsolatedEnv, routing_key: str, body: bytes) -> None:
    connection = await aio_pika.connect(env.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("chantiers.events")
        await exchange.publish(aio_pika.Message(body, delivery_mode=2), routing_key=routing_key)


async def drain(env: IsolatedEnv, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(env.amqp_url)
    out = []
    async with connection:
        channel = await connection.channel()
        dlq = await channel.declare_queue(f"{queue}.dlq", passive=True)
        while (message := await dlq.get(no_ack=True, fail=False)) is not None:
            out.append(message)
    return out


def test_bad_events_are_dead_lettered_and_the_good_ones_flow(
    isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    env = isolated_env
    management = f"http://127.0.0.1:{env.layout.rabbit_management_port}"
    structures = known_structures(["21", "71"], SECTOR)
    with running(env, "matching", "notifications", "prospects") as procs:
        urls = [p.url for p in procs.values()]
        asyncio.run(publish(env.amqp_url, [e for _, events in structures for e in events]))
        wait_quiet(urls, management, env.vhost, timeout=120)

        good = json.loads(Envelope.wrap(TenderPublished.model_validate(
            {"tender": {"idweb": "99-1", "nature": "APPEL_OFFRE", "title": "x",
                        "buyer": {"name": "b"}}})).model_dump_json())
        bad = {
            "not json": b"\x00\xff not json",
            "not an object": b"[1, 2, 3]",
            "unknown version": json.dumps({**good, "version": 7}).encode(),
            "unknown type": json.dumps({**good, "type": "tender.teleported"}).encode(),
            "invalid payload": json.dumps({**good, "data": {"tender": {"idweb": 1}}}).encode(),
        }
        for body in bad.values():
            asyncio.run(raw_publish(env, "prospects.tender.published", body))
        asyncio.run(raw_publish(env, "matching.lead.scored", b'{"type": "lead.scored"}'))

        records = tender_records(10, ["21", "71"], sector=SECTOR)
        run_cli(env, "ingest", "boamp", str(write_page(tmp_path / "t.json", records)))
        wait_quiet(urls, management, env.vhost, timeout=180)

        matching_dead = asyncio.run(drain(env, "matching"))
        notifications_dead = asyncio.run(drain(env, "notifications"))

    reasons = [str(m.headers.get(REASON_HEADER)) for m in matching_dead]
    print("matching dead letters:", *reasons, sep="\n  ")
    assert len(matching_dead) == len(bad)
    assert any("body is not JSON" in r for r in reasons)
    assert any("v7 is not supported" in r for r in reasons)
    assert any("unknown event type 'tender.teleported'" in r for r in reasons)
    assert any("invalid at data.tender" in r for r in reasons)
    assert len(notifications_dead) == 1
    assert "envelope lacks" in str(notifications_dead[0].headers.get(REASON_HEADER))

    expected_leads = {(known.siret, r["idweb"]) for r in records
                      for known, _ in structures
                      if known.department == r["code_departement"][0]}
    leads = verdict("leads", expected_leads, asyncio.run(lead_pairs(env)))
    keys = wait_until(lambda: email_keys(env.outbox_dir) if len(
        email_keys(env.outbox_dir)) >= len(expected_leads) else None, timeout=60,
        what="one alert per lead")
    emails = verdict("emails", set(keys), keys)
    print(leads.line())
    print(emails.line())
    assert (leads.lost, leads.duplicated) == (0, 0)
    assert len(keys) == len(expected_leads) and emails.duplicated == 0
