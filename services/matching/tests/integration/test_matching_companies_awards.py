"""Award leads, company leads (one by one and in bulk batches), the backfill of a new
activity, and the evidence learnt from feedback — on the real broker and database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from chantiers_common.events.common_types import Outcome
from chantiers_common.events.notifications import FeedbackRecorded
from chantiers_common.events.prospects import (
    CompaniesBulkLoaded,
    CompanyClosed,
    CompanyRegistered,
    TenderAwarded,
    TenderPublished,
    Winner,
)
from chantiers_common.events.structures import (
    ActivityAdded,
    ActivityRemoved,
    StructureRegistered,
)

pytestmark = pytest.mark.stack

CLEANING = "nettoyage-de-locaux-16"


async def structure_with(producer, api, make, sector, **where):  # type: ignore[no-untyped-def]
    structure = make.structure(**where)
    activity = make.activity(structure, sector)
    await api.registered(producer, structure, activity)
    return structure, activity


async def test_an_award_with_a_social_clause_makes_leads_on_its_winners(
        producer, tap, api, make):
    structure, _ = await structure_with(producer, api, make,
                                        "creation-et-entretien-des-espaces-verts")
    winner_siret = make.siret()
    award = make.tender(nature="ATTRIBUTION", social_criteria=True, winners=[
        Winner(name="Paysages du Rhône", siret=winner_siret, amount_eur=180_000)])
    without_clause = make.tender(nature="ATTRIBUTION", winners=[
        Winner(name="Jardins SA", siret=make.siret())])
    await producer.publish(TenderAwarded(tender=without_clause))
    await producer.publish(TenderAwarded(tender=award))
    ref = f"{award.idweb}:{winner_siret}"
    [event] = await tap.wait(lambda: tap.about(ref, structure.siret), what="the award lead")
    lead = event.data.lead
    assert (lead.kind, lead.counterpart, lead.counterpart_siret) == (
        "award", "Paysages du Rhône", winner_siret)
    assert any("heures d'insertion" in r and "sous-traiter à une SIAE" in r
               for r in lead.reasons)
    assert any(r.startswith("Montant attribué : 180 000 €") for r in lead.reasons)
    await api.settle()
    assert not [e for e in tap.events if e.data.lead.prospect_ref.startswith(
        without_clause.idweb)]


async def test_an_award_closes_the_leads_of_the_tender_it_awards(producer, tap, api, make):
    structure, _ = await structure_with(producer, api, make,
                                        "creation-et-entretien-des-espaces-verts")
    tender = make.tender()
    await producer.publish(TenderPublished(tender=tender))
    await tap.wait(lambda: tap.about(tender.idweb, structure.siret), what="the tender lead")
    award = make.tender(nature="ATTRIBUTION", related_idweb=[tender.idweb],
                        winners=[Winner(name="Paysages SA")])
    await producer.publish(TenderAwarded(tender=award))
    await tap.wait(lambda: len(tap.about(tender.idweb, structure.siret)) == 2,
                   what="the withdrawal")
    withdrawn = tap.about(tender.idweb, structure.siret)[1]
    assert withdrawn.type == "lead.withdrawn"
    assert withdrawn.data.reason.startswith("Marché attribué")


async def test_a_registered_company_nearby_is_a_lead_and_its_closure_withdraws_it(
        producer, tap, api, make):
    structure, _ = await structure_with(producer, api, make,
                                        "creation-et-entretien-des-espaces-verts",
                                        lat=43.60, lon=1.44, department="31")
    landlord = make.company(naf="68.20A", lat=43.61, lon=1.45, department="31",
                            headcount_band="22", ess=True, name="Habitat Toulousain")
    bakery = make.company(naf="10.71C", lat=43.61, lon=1.45, department="31")
    far = make.company(naf="68.20A", lat=48.85, lon=2.35, department="75")
    for company in (landlord, bakery, far):
        await producer.publish(CompanyRegistered(company=company))
    [event] = await tap.wait(lambda: tap.about(landlord.siret, structure.siret),
                             what="the company lead")
    lead = event.data.lead
    assert (lead.kind, lead.counterpart) == ("company", "Habitat Toulousain")
    assert lead.title == "Client potentiel : Location de logements"
    assert any(r.startswith("Client potentiel : Location de logements (NAF 68.20A)")
               for r in lead.reasons)
    assert "Entreprise de l'économie sociale et solidaire (ESS)" in lead.reasons
    assert "Établissement : 100 à 199 salariés" in lead.reasons
    await api.settle()
    assert tap.about(bakery.siret) == [] and tap.about(far.siret, structure.siret) == []

    closed = landlord.model_copy(update={"active": False})
    await producer.publish(CompanyClosed(company=closed))
    await tap.wait(lambda: len(tap.about(landlord.siret, structure.siret)) == 2,
                   what="the withdrawal")
    withdrawn = tap.about(landlord.siret, structure.siret)[1]
    assert (withdrawn.type, withdrawn.data.reason) == ("lead.withdrawn", "Établissement fermé")


async def test_a_bulk_batch_is_matched_as_a_whole(producer, tap, api, make):
    structure, _ = await structure_with(producer, api, make, CLEANING,
                                        lat=47.22, lon=-1.55, department="44")
    batch = [make.company(naf=naf, lat=47.21 + i / 20_000, lon=-1.56, department="44",
                          commune_insee="44109", post_code="44000")
             for i, naf in enumerate(["68.32A", "69.20Z", "10.71C", "81.21Z", "47.11B"] * 40)]
    closed = make.company(naf="68.32A", lat=47.2, lon=-1.5, department="44", active=False)
    await producer.publish(CompaniesBulkLoaded(batch_id="b1", source="stock.csv",
                                               count=len(batch) + 1,
                                               companies=[*batch, closed]))
    expected = {c.siret for c in batch if c.naf in {"68.32A", "69.20Z", "81.21Z"}}
    await tap.wait(lambda: expected <= {e.data.lead.prospect_ref for e in tap.events
                                        if e.data.lead.structure_siret == structure.siret},
                   what="120 company leads")
    await api.settle()
    mine = [e for e in tap.events if e.data.lead.structure_siret == structure.siret]
    assert {e.data.lead.prospect_ref for e in mine} == expected
    assert all(e.type == "lead.scored" and e.data.lead.kind == "company" for e in mine)
    same_trade = next(e.data.lead for e in mine if e.data.lead.prospect_ref in {
        c.siret for c in batch if c.naf == "81.21Z"})
    assert same_trade.title.startswith("Même métier : Nettoyage courant des bâtiments")
    stats = await api.stats()
    assert stats["companies"] >= len(batch)


async def test_a_new_activity_is_backfilled_with_open_tenders_and_companies(
        producer, tap, api, make):
    where = {"lat": 50.63, "lon": 3.06, "department": "59"}
    company = make.company(naf="68.32A", lat=50.64, lon=3.07, department="59")
    tender = make.tender(title="Nettoyage des locaux de la mairie", lat=50.62, lon=3.05,
                         department="59")
    before = await api.stats()
    await producer.publish(CompanyRegistered(company=company))
    await producer.publish(TenderPublished(tender=tender))
    structure = make.structure(**where)
    await producer.publish(StructureRegistered(structure=structure))
    await api.settle(companies=before["companies"] + 1, tenders=before["tenders"] + 1,
                     structures=before["structures"] + 1)
    assert tap.about(tender.idweb, structure.siret) == []
    activity = make.activity(structure, CLEANING)
    await producer.publish(ActivityAdded(activity=activity))
    await tap.wait(lambda: tap.about(tender.idweb, structure.siret)
                   and tap.about(company.siret, structure.siret), what="backfilled leads")
    tender_lead = tap.about(tender.idweb, structure.siret)[0].data.lead
    assert tender_lead.kind == "tender" and tender_lead.sector == CLEANING
    # Removing the activity withdraws what came of it.
    await producer.publish(ActivityRemoved(activity=activity))
    await tap.wait(lambda: len(tap.about(tender.idweb, structure.siret)) == 2
                   and len(tap.about(company.siret, structure.siret)) == 2,
                   what="withdrawals after removal")
    assert tap.about(company.siret, structure.siret)[1].type == "lead.withdrawn"


async def test_feedback_builds_evidence_per_segment_that_moves_new_company_leads(
        producer, tap, api, make):
    where = {"lat": 44.84, "lon": -0.58, "department": "33"}
    structure, _ = await structure_with(producer, api, make,
                                        "creation-et-entretien-des-espaces-verts", **where)
    # An EHPAD: a likely client, but not a typical one (weight 0.7), so that the field's
    # answers can move it both ways.
    first = make.company(naf="87.10A", lat=44.85, lon=-0.57, department="33")
    await producer.publish(CompanyRegistered(company=first))
    [event] = await tap.wait(lambda: tap.about(first.siret, structure.siret), what="a lead")
    lead = event.data.lead
    for n, outcome in enumerate([Outcome.INTERESTED, Outcome.WON, Outcome.CONTACTED]):
        await producer.publish(FeedbackRecorded(
            lead_id=lead.id, structure_siret=structure.siret, contact_id=f"c{n}",
            outcome=outcome, recorded_at=datetime.now(UTC)))
    # The same contact changing its mind counts once, with its latest answer.
    await producer.publish(FeedbackRecorded(
        lead_id=lead.id, structure_siret=structure.siret, contact_id="c0",
        outcome=Outcome.NOT_INTERESTED, recorded_at=datetime.now(UTC)))

    async def segment():  # type: ignore[no-untyped-def]
        found = [s for s in (await api.json("/evidence"))["segments"]
                 if (s["sector"], s["naf_division"], s["department"]) == (
                     "creation-et-entretien-des-espaces-verts", "87", "33")]
        return found[0] if found and found[0]["answers"] == 3 and found[0]["counts"].get(
            "not_interested") else None

    deadline = asyncio.get_running_loop().time() + 20
    while (found := await segment()) is None:
        assert asyncio.get_running_loop().time() < deadline, str(await api.json("/evidence"))
        await asyncio.sleep(0.2)
    assert found["counts"] == {"won": 1, "contacted": 1, "not_interested": 1}
    assert found["positive"] == 2 and found["posterior_mean"] == pytest.approx(4 / 7, abs=1e-3)
    assert found["factor"] > 1

    second = make.company(naf="87.10A", lat=44.85, lon=-0.57, department="33")
    await producer.publish(CompanyRegistered(company=second))
    [event] = await tap.wait(lambda: tap.about(second.siret, structure.siret), what="a lead")
    relation = next(c for c in event.data.lead.components if c.name == "relation")
    first_relation = next(c for c in lead.components if c.name == "relation")
    assert relation.points > first_relation.points
    assert "retours du terrain sur ce segment : 2 positifs sur 3 réponses" in relation.reason
