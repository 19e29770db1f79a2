"""Matching a tender against the catalog: eligibility, the best activity per structure,
and leads that are valid ``Lead`` contracts with their breakdown."""

from __future__ import annotations

from datetime import timedelta

from chantiers_common.events.common_types import ServiceType
from chantiers_common.events.matching import Lead
from chantiers_common.events.structures import Area, AreaKind
from matching.catalog import StructureInfo
from matching.leads import lead_id
from matching.tender_match import match_tender
from matching.weights import COMPONENTS

from .conftest import CLEANING, NOW, PARIS, World, green


def test_a_tender_near_a_structure_makes_one_valid_lead_with_its_reasons(world: World) -> None:
    structure = world.structure(headroom_eur=50_000)
    world.activity(structure)
    [scored] = match_tender(
        world.tender(social_criteria=True, amount_eur=30_000), world.ctx, NOW, sectors=[green()]
    )
    lead = Lead.model_validate(scored.data)
    assert lead.id == lead_id(structure.siret, "tender", lead.prospect_ref)
    assert (lead.kind, lead.version, lead.structure_siret) == ("tender", 1, structure.siret)
    assert tuple(c.name for c in lead.components) == COMPONENTS[lead.kind]
    assert lead.reasons[0].startswith("Secteur : Création et entretien des espaces verts")
    assert "Clause ou critère social dans le marché" in lead.reasons
    assert any("tient dans votre marge de 50 000 €" in r for r in lead.reasons)
    assert lead.score == round(sum(c.points for c in lead.components))


def test_one_lead_per_structure_from_its_best_activity(world: World) -> None:
    structure = world.structure()
    suggested = world.activity(structure, status="suggested", confidence=0.5, id="a-1")
    confirmed = world.activity(
        structure, area=Area(kind=AreaKind.DEPARTMENTS, codes=["69"]), id="a-2"
    )
    [scored] = match_tender(world.tender(), world.ctx, NOW, sectors=[green()])
    assert scored.activity_id == confirmed.id != suggested.id
    # Equal scores: the smaller activity id, whatever the order the catalog holds them in.
    twin = world.activity(structure, area=Area(kind=AreaKind.DEPARTMENTS, codes=["69"]), id="a-0")
    [scored] = match_tender(world.tender(), world.ctx, NOW, sectors=[green()])
    assert scored.activity_id == twin.id


def test_who_is_not_eligible_gets_nothing(world: World) -> None:
    world.activity(world.structure(PARIS, "75"))  # too far
    world.activity(world.structure(), CLEANING)  # another trade
    goods = world.structure()
    world.activity(goods, service_types=[ServiceType.GOODS])  # makes goods, not services
    closed = world.structure()
    world.activity(closed)
    world.ctx.catalog.put_structure(StructureInfo(closed.siret, "ACI", active=False))
    tender = world.tender(market_types=["SERVICES"])
    assert match_tender(tender, world.ctx, NOW, sectors=[green()]) == []


def test_no_lead_past_the_deadline_or_without_a_sector(world: World) -> None:
    world.activity(world.structure())
    late = world.tender(deadline=NOW - timedelta(minutes=1))
    assert match_tender(late, world.ctx, NOW, sectors=[green()]) == []
    assert match_tender(world.tender(), world.ctx, NOW, sectors=[]) == []


def test_a_tender_without_place_reaches_france_wide_activities_with_no_distance_points(
    world: World,
) -> None:
    world.activity(world.structure())
    national = world.structure(PARIS, "75")
    world.activity(national, area=Area(kind=AreaKind.FRANCE))
    [scored] = match_tender(world.tender(where=None), world.ctx, NOW, sectors=[green()])
    lead = scored.lead
    assert lead.structure_siret == national.siret
    distance = next(c for c in lead.components if c.name == "distance")
    assert distance.points == 0 and distance.reason.startswith("Lieu d'exécution non précisé")


def test_a_suggested_activity_counts_for_less_and_says_so(world: World) -> None:
    confirmed = world.structure()
    world.activity(confirmed)
    suggested = world.structure()
    world.activity(suggested, status="suggested", confidence=0.6)
    leads = {
        s.structure_siret: s.lead
        for s in match_tender(world.tender(), world.ctx, NOW, sectors=[green()])
    }
    assert leads[suggested.siret].score < leads[confirmed.siret].score
    sector = next(c for c in leads[suggested.siret].components if c.name == "sector")
    assert sector.reason.endswith("activité suggérée, à confirmer")


def test_the_same_tender_gives_the_same_fingerprint_and_a_correction_keeps_the_key(
    world: World,
) -> None:
    world.activity(world.structure())
    tender = world.tender()
    first = match_tender(tender, world.ctx, NOW, sectors=[green()])
    again = match_tender(tender, world.ctx, NOW + timedelta(hours=1), sectors=[green()])
    assert [s.fingerprint for s in first] == [s.fingerprint for s in again]
    corrected = match_tender(
        tender.model_copy(update={"idweb": "26-999"}),
        world.ctx,
        NOW,
        key=tender.idweb,
        sectors=[green()],
    )
    assert corrected[0].id == first[0].id


def test_a_buyer_that_awarded_contracts_to_siae_is_worth_more(world: World) -> None:
    structure = world.structure()
    world.activity(structure)
    siae_winner = world.structure()  # any structure of the catalog is an SIAE
    tender = world.tender()
    [before] = [
        s
        for s in match_tender(tender, world.ctx, NOW, sectors=[green()])
        if s.structure_siret == structure.siret
    ]
    world.ctx.history.set_live([(tender.buyer.siret, siae_winner.siret, 2)])  # type: ignore[list-item]
    [after] = [
        s
        for s in match_tender(tender, world.ctx, NOW, sectors=[green()])
        if s.structure_siret == structure.siret
    ]
    assert after.score > before.score
    assert "Acheteur ayant déjà attribué 2 marchés à des SIAE" in after.lead.reasons


def test_a_correction_is_about_the_tender_it_corrects(world: World) -> None:
    from matching.handlers import tender_key

    correction = world.tender(idweb="15-31438", nature="RECTIFICATIF",
                              related_idweb=["15-26190"])
    assert tender_key(correction) == "15-26190"
    assert tender_key(world.tender(idweb="15-31438")) == "15-31438"
    # A cancellation or an award names what it closes in related_idweb too, but its own
    # leads (awards) are about itself.
    award = world.tender(idweb="15-40000", nature="ATTRIBUTION", related_idweb=["15-26190"])
    assert tender_key(award) == "15-40000"
