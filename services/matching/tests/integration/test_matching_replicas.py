"""Two matching replicas on one queue and one database: every lead is scored exactly
once, each lead's versions strictly increase however the updates of one tender are shared
out, and an activity added while tenders stream in meets every one of them."""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from chantiers_common.events.prospects import TenderPublished, TenderUpdated
from chantiers_common.events.structures import ActivityAdded, StructureRegistered
from chantiers_testing.env import IsolatedEnv, free_port
from chantiers_testing.services import ServiceProcess

from .conftest import FAST, Api, LeadTap, Make, Producer

pytestmark = pytest.mark.stack

TENDERS = 60
UPDATES = 4


def handled(url: str, event_type: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    pattern = (r'chantiers_events_handled_total\{[^}]*outcome="handled"[^}]*type="'
               + re.escape(event_type) + r'"[^}]*\} ([0-9.e+]+)')
    return sum(float(v) for v in re.findall(pattern, text))


@pytest.fixture(scope="module")
def replicas(module_env: IsolatedEnv) -> Iterator[list[ServiceProcess]]:
    procs = [ServiceProcess(module_env, "matching", port=free_port(), extra_env=FAST)
             for _ in range(2)]
    try:
        for proc in procs:
            proc.start()
        yield procs
    finally:
        for proc in procs:
            proc.stop()


async def test_two_replicas_make_each_lead_once_with_increasing_versions(
        module_env: IsolatedEnv, replicas: list[ServiceProcess]) -> None:
    make, api = Make(), Api(replicas[0].url, module_env.admin_token)
    async with Producer(module_env) as producer, LeadTap(module_env) as tap:
        structures = [make.structure(lat=45.76 + i / 100, lon=4.84) for i in range(3)]
        for structure in structures:
            await api.registered(producer, structure, make.activity(structure))
        base = datetime.now(UTC)
        tenders = [make.tender() for _ in range(TENDERS)]
        for tender in tenders:
            await producer.publish(TenderPublished(tender=tender), occurred_at=base)
        # Each tender then changes several times, each change a new score; the replicas
        # take the updates of one tender in whatever order they come.
        for step in range(1, UPDATES + 1):
            for tender in tenders:
                changed = tender.model_copy(update={"amount_eur": 10_000.0 * step,
                                                    "social_criteria": step % 2 == 1})
                await producer.publish(TenderUpdated(tender=changed),
                                       occurred_at=base + timedelta(seconds=step))
        expected = TENDERS * len(structures)

        def finals() -> bool:
            final = {}  # the highest version of each lead (relays may interleave)
            for e in tap.events:
                held = final.get(e.data.lead.id)
                if held is None or held.version < e.data.lead.version:
                    final[e.data.lead.id] = e.data.lead
            return len(final) == expected and all(
                any(c.name == "amount" and "40 000 €" in c.reason for c in lead.components)
                for lead in final.values())

        await tap.wait(finals, timeout=90, what="every lead at its last version")
        await api.settle()
        await asyncio.sleep(1)

    by_lead = defaultdict(list)
    for event in tap.events:
        by_lead[event.data.lead.id].append(event)
    assert len(by_lead) == expected
    for lead_id, events in by_lead.items():
        versions = [e.data.lead.version for e in events]
        assert [e.type for e in events].count("lead.scored") == 1, lead_id
        assert sorted(versions) == list(range(1, len(versions) + 1)), versions
        stored = await api.json(f"/leads/{lead_id}")
        assert stored["lead"]["version"] == max(versions)
        newest = max(events, key=lambda e: e.data.lead.version).data.lead
        assert stored["lead"]["score"] == newest.score
        assert "Montant estimé 40 000 €" in " ".join(stored["lead"]["reasons"])
    # Both replicas did part of the work.
    for replica in replicas:
        assert handled(replica.url, "tender.updated") > 0, replica.url


async def test_an_activity_added_while_tenders_stream_in_meets_all_of_them(
        module_env: IsolatedEnv, replicas: list[ServiceProcess]) -> None:
    make = Make()
    async with Producer(module_env) as producer, LeadTap(module_env) as tap:
        structure = make.structure(lat=43.30, lon=5.37, department="13")
        await producer.publish(StructureRegistered(structure=structure))
        tenders = [make.tender(lat=43.31, lon=5.38, department="13") for _ in range(150)]
        for n, tender in enumerate(tenders):
            if n == 60:  # the activity lands while the replicas are busy with tenders
                await producer.publish(ActivityAdded(activity=make.activity(structure)))
            await producer.publish(TenderPublished(tender=tender))
        await tap.wait(lambda: {t.idweb for t in tenders} <= {
            e.data.lead.prospect_ref for e in tap.events
            if e.data.lead.structure_siret == structure.siret},
            timeout=60, what="a lead on every tender, before or after the activity")
