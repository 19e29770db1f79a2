"""`chantiers ingest siae` on real records: what a first import publishes, that a second
one changes and publishes nothing, that a changed record is updated and published once
(keeping what staff declared), and that each structure's events share its own trace."""

from __future__ import annotations

import asyncio
import copy
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from chantiers_testing.env import wait_until
from chantiers_testing.services import run_cli
from structures.siae_file import read_siae_file

pytestmark = pytest.mark.stack


def ingest(registry, path: Path, *args: str) -> str:
    return run_cli(registry.env, "ingest", "siae", str(path), *args).stderr


def written(output: str) -> int:
    """The "events" line of the command's report: events written to the outbox (the
    running service's relay may publish them before the command does)."""
    line = next(line for line in output.splitlines() if line.strip("│ ").startswith("events"))
    return int(line.strip("│ ").split()[-1].strip("│"))


@pytest.fixture(scope="module")
async def first_import(registry, subset_file: Path, tmp_path_factory) -> dict[str, Any]:
    """The subset imported once, with everything it published (caught here, as the
    ``bus`` fixture is per test)."""
    import aio_pika

    connection = await aio_pika.connect(registry.env.amqp_url)
    caught: list[Any] = []
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange("chantiers.events")
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="structures.#")
        output = await asyncio.to_thread(ingest, registry, subset_file, "--demo-contacts")
        await registry.published()
        await asyncio.sleep(0.5)
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            caught.append((message.routing_key, json.loads(message.body),
                           dict(message.headers)))
    return {"output": output, "events": caught}


async def test_the_first_import_registers_everything_once(registry, first_import,
                                                          subset_file):
    records = read_siae_file(subset_file).records
    types = [body["type"] for _, body, _ in first_import["events"]]
    assert types.count("structure.registered") == len(records)
    assert types.count("activity.added") == sum(len(r.suggestions) for r in records)
    assert types.count("contact.subscribed") == sum(1 for r in records if r.contact_email)
    assert len(types) == await registry.outbox_count()
    assert written(first_import["output"]) == len(types)
    stats = (await registry.http.get("/stats")).json()
    assert stats["structures"] == len(records) and stats["outbox_pending"] == 0


async def test_each_structure_has_its_own_trace(first_import):
    traces: dict[str, set[str]] = defaultdict(set)
    for _, body, headers in first_import["events"]:
        data = body["data"]
        siret = (data.get("structure") or data.get("activity") or data.get("contact"))
        siret = siret.get("siret") or siret.get("structure_siret")
        traces[siret].add(str(headers["traceparent"]).split("-")[1])
    assert all(len(ids) == 1 for ids in traces.values()), traces
    assert len({next(iter(ids)) for ids in traces.values()}) == len(traces)


async def test_spans_of_the_import_reach_the_trace_sink(registry, first_import):
    siret = first_import["events"][0][1]["data"]["structure"]["siret"]

    def span_of_structure() -> dict[str, Any] | None:
        path = registry.env.traces_file
        lines = path.read_text().splitlines() if path.exists() else []
        return next((s for s in map(json.loads, lines)
                     if s["name"] == f"import structure {siret}"), None)

    span = await asyncio.to_thread(wait_until, span_of_structure, 20)
    event = next(e for e in first_import["events"]
                 if e[1]["data"].get("structure", {}).get("siret") == siret)
    assert span["trace_id"] == str(event[2]["traceparent"]).split("-")[1]


async def test_a_second_import_changes_and_publishes_nothing(registry, first_import, bus,
                                                             subset_file):
    count = await registry.outbox_count()
    output = await asyncio.to_thread(ingest, registry, subset_file, "--demo-contacts")
    assert written(output) == 0 and "0 event(s) published" in output
    assert await registry.outbox_count() == count
    await asyncio.sleep(0.5)
    assert bus.caught == []


async def test_a_changed_record_is_updated_and_published_once(
        registry, first_import, bus, subset_rows, tmp_path):
    rows = copy.deepcopy(subset_rows)
    row = next(r for r in rows if r["fields"].get("address"))
    siret = str(row["fields"]["siret"]).replace(" ", "")
    # Staff declared their costs and a derogation; the file knows neither.
    token = await registry.issue(siret)
    patched = await registry.http.patch(f"/structures/{siret}", headers=registry.bearer(token),
                                        json={"commercial_costs_eur": 90_000, "cap_rate": 0.5})
    assert patched.status_code == 200
    await bus.wait_count(1, "structure.updated")
    bus.caught.clear()

    row["fields"]["address"] = "12 rue du Changement"
    changed = registry.write_rows(tmp_path / "changed.json", rows)
    output = await asyncio.to_thread(ingest, registry, changed)
    assert written(output) == 1
    updated, = await bus.wait_count(1)
    assert (updated.type, updated.routing_key) == ("structure.updated",
                                                   "structures.structure.updated")
    structure = updated.data["structure"]
    assert structure["address"] == "12 rue du Changement"
    assert (structure["commercial_costs_eur"], structure["cap_rate"]) == (90_000, 0.5)

    bus.caught.clear()
    again = await asyncio.to_thread(ingest, registry, changed)
    assert written(again) == 0 and "0 event(s) published" in again
    await asyncio.sleep(0.5)
    assert bus.caught == []
