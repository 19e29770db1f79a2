"""Tender leads on the real broker and database: structures and activities, then
tenders, produce leads with reasons; versions move only on a change; cancellation and a
passed deadline withdraw them; a late publication does not revive a cancelled tender."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chantiers_common.events.prospects import TenderCancelled, TenderPublished, TenderUpdated
from chantiers_common.events.structures import Area, AreaKind

pytestmark = pytest.mark.stack


async def registered(producer, api, make, **where):  # type: ignore[no-untyped-def]
    structure = make.structure(**where)
    await api.registered(producer, structure, make.activity(structure))
    return structure


async def test_a_tender_near_an_activity_makes_one_lead_with_reasons(producer, tap, api, make):
    structure = await registered(producer, api, make)
    tender = make.tender(social_criteria=True, amount_eur=30_000)
    published = await producer.publish(TenderPublished(tender=tender))
    [event] = await tap.wait(lambda: tap.about(tender.idweb), what="lead.scored")
    assert event.type == "lead.scored"
    lead = event.data.lead
    assert (lead.structure_siret, lead.kind, lead.version) == (structure.siret, "tender", 1)
    assert lead.counterpart == "Commune de Villeurbanne"
    assert any(r.startswith("Secteur : Création et entretien des espaces verts")
               for r in lead.reasons)
    assert "Clause ou critère social dans le marché" in lead.reasons
    assert any(r.startswith("À 3 km de votre structure") for r in lead.reasons)
    assert {c.name for c in lead.components} == {"sector", "distance", "social", "deadline",
                                                 "amount", "buyer_history", "freshness"}
    assert lead.score == round(sum(c.points for c in lead.components)
                               / sum(c.max_points for c in lead.components) * 100)
    # The breakdown is stored with the lead and returned by the API.
    stored = await api.json(f"/leads/{lead.id}")
    assert stored["status"] == "active"
    assert stored["lead"]["components"] == [c.model_dump(mode="json") for c in lead.components]
    assert published.occurred_at <= event.occurred_at


async def test_an_unchanged_tender_publishes_nothing_and_a_change_publishes_an_update(
        producer, tap, api, make):
    siret = (await registered(producer, api, make)).siret
    tender = make.tender()
    await producer.publish(TenderPublished(tender=tender))
    await tap.wait(lambda: tap.about(tender.idweb, siret), what="the first lead")
    # The same content again (a replay with a new event id): no event.
    await producer.publish(TenderUpdated(tender=tender))
    # A social clause added: the score and the reasons change.
    changed = tender.model_copy(update={"social_criteria": True})
    await producer.publish(TenderUpdated(tender=changed))
    await tap.wait(lambda: len(tap.about(tender.idweb, siret)) >= 2, what="lead.updated")
    await api.settle()
    await asyncio.sleep(0.5)
    events = tap.about(tender.idweb, siret)
    assert [e.type for e in events] == ["lead.scored", "lead.updated"]
    assert [e.data.lead.version for e in events] == [1, 2]
    assert events[1].data.lead.score > events[0].data.lead.score
    assert "Clause ou critère social dans le marché" in events[1].data.lead.reasons


async def test_a_cancelled_tender_withdraws_its_leads(producer, tap, api, make):
    siret = (await registered(producer, api, make)).siret
    tender = make.tender()
    await producer.publish(TenderPublished(tender=tender))
    [scored] = await tap.wait(lambda: tap.about(tender.idweb, siret), what="lead.scored")
    cancellation = make.tender(nature="ANNULATION", related_idweb=[tender.idweb],
                               title=tender.title)
    await producer.publish(TenderCancelled(tender=cancellation))
    await tap.wait(lambda: len(tap.about(tender.idweb, siret)) == 2, what="lead.withdrawn")
    withdrawn = tap.about(tender.idweb, siret)[1]
    assert withdrawn.type == "lead.withdrawn"
    assert withdrawn.data.reason == "Appel d'offres annulé"
    assert withdrawn.data.lead.version == scored.data.lead.version + 1
    assert (await api.json(f"/leads/{scored.data.lead.id}"))["status"] == "withdrawn"


async def test_a_publication_arriving_after_its_cancellation_makes_no_lead(
        producer, tap, api, make):
    await registered(producer, api, make)
    tender = make.tender()
    early = datetime.now(UTC) - timedelta(minutes=5)
    # The cancellation is processed first (another replica was faster, or a retry).
    before = await api.stats()
    await producer.publish(TenderCancelled(tender=tender))
    await api.settle(tenders=before["tenders"] + 1)
    await producer.publish(TenderPublished(tender=tender), occurred_at=early)
    await producer.publish(TenderUpdated(tender=tender))
    await api.settle()
    await asyncio.sleep(1)
    assert tap.about(tender.idweb) == []
    page = await api.json("/leads", open="false")
    assert tender.idweb not in {lead["prospect_ref"] for lead in page["items"]}


async def test_a_passed_deadline_withdraws_the_lead(producer, tap, api, make):
    siret = (await registered(producer, api, make)).siret
    tender = make.tender(days=3 / 86400)  # three seconds
    await producer.publish(TenderPublished(tender=tender))
    [scored] = await tap.wait(lambda: tap.about(tender.idweb, siret), what="lead.scored")
    assert any("délai très court" in c.reason for c in scored.data.lead.components)
    await tap.wait(lambda: len(tap.about(tender.idweb, siret)) == 2, timeout=20,
                   what="lead.withdrawn by the sweep")
    events = tap.about(tender.idweb, siret)
    assert events[1].type == "lead.withdrawn"
    assert events[1].data.reason == "Date limite de réponse dépassée"


async def test_a_tender_with_no_known_place_only_reaches_activities_serving_france(
        producer, tap, api, make):
    local = await registered(producer, api, make)
    national_structure = make.structure(lat=48.85, lon=2.35, department="75")
    await api.registered(producer, national_structure, make.activity(
        national_structure, area=Area(kind=AreaKind.FRANCE)))
    tender = make.tender(located=False)
    await producer.publish(TenderPublished(tender=tender))
    [event] = await tap.wait(lambda: tap.about(tender.idweb), what="the national lead")
    await api.settle()
    await asyncio.sleep(0.5)
    # The module's radius activities (Lyon, and this test's own) get nothing.
    assert [e.data.lead.structure_siret for e in tap.about(tender.idweb)] == [
        national_structure.siret]
    assert tap.about(tender.idweb, local.siret) == []
    distance = next(c for c in event.data.lead.components if c.name == "distance")
    assert distance.points == 0
    assert distance.reason.startswith("Lieu d'exécution non précisé")


async def test_tenders_arriving_together_each_get_their_lead_in_their_own_trace(
        producer, tap, api, make):
    """Tenders published at once are written together (one statement per batch); each
    lead event still carries the trace of the tender it came from, and the tender that
    comes twice in the burst (a correction) ends with one lead, updated."""
    siret = (await registered(producer, api, make)).siret
    tenders = [make.tender() for _ in range(40)]
    traces = {t.idweb: uuid.uuid4().hex for t in tenders}
    corrected = tenders[7].model_copy(update={"social_criteria": True})
    events = [TenderPublished(tender=t) for t in tenders] + [TenderUpdated(tender=corrected)]
    await asyncio.gather(*(
        producer.publish(event, headers={
            "traceparent": f"00-{traces[event.tender.idweb]}-{uuid.uuid4().hex[:16]}-01"})
        for event in events))
    await tap.wait(lambda: sum(len(tap.about(t.idweb, siret)) for t in tenders) > len(tenders),
                   what="a lead per tender and the update")
    await api.settle()
    for tender in tenders:
        got = tap.about(tender.idweb, siret)
        assert {tap.trace_ids[e.id] for e in got} == {traces[tender.idweb]}, got
        expected = ["lead.scored", "lead.updated"] if tender is tenders[7] else ["lead.scored"]
        assert [e.type for e in got] == expected
