"""Company leads: client or same-trade NAF codes near the structure, weighed by size,
ESS, société à mission and age, moved by the field's answers."""

from __future__ import annotations

from datetime import timedelta

from chantiers_common.events.common_types import Outcome
from chantiers_common.events.structures import Area, AreaKind
from matching.company_match import match_company
from matching.evidence import Segment, SegmentEvidence

from .conftest import CLEANING, GREEN, NOW, PARIS, TODAY, World


def test_a_landlord_near_a_green_spaces_aci_is_a_client_lead(world: World) -> None:
    structure = world.structure()
    world.activity(structure)
    company = world.company(
        "68.20A", headcount_band="22", ess=True, mission=True, created_on=TODAY - timedelta(days=30)
    )
    [scored] = match_company(company, world.ctx, {}, NOW)
    lead = scored.lead
    assert (lead.kind, lead.prospect_ref, lead.counterpart_siret) == (
        "company",
        company.siret,
        company.siret,
    )
    assert lead.title == "Client potentiel : Location de logements"
    assert {
        "Entreprise de l'économie sociale et solidaire (ESS)",
        "Société à mission",
        "Établissement : 100 à 199 salariés",
    } <= set(lead.reasons)
    assert any(r.startswith("Établissement créé le 31/01/2026") for r in lead.reasons)
    assert scored.naf == "68.20A" and scored.department == "69"


def test_a_company_of_the_same_trade_is_a_lead_for_cotraitance(world: World) -> None:
    world.activity(world.structure(), CLEANING)
    [scored] = match_company(world.company("81.21Z"), world.ctx, {}, NOW)
    assert scored.lead.title == "Même métier : Nettoyage courant des bâtiments"
    assert "sous-traitance" in scored.lead.reasons[0]


def test_unrelated_far_closed_or_weak_companies_make_no_lead(world: World) -> None:
    world.activity(world.structure())
    assert match_company(world.company("10.71C"), world.ctx, {}, NOW) == []
    assert (
        match_company(world.company("68.20A", where=PARIS, department="75"), world.ctx, {}, NOW)
        == []
    )
    assert match_company(world.company("68.20A", active=False), world.ctx, {}, NOW) == []
    # A weak link (a head office, 0.4) 25 km away falls under the minimum score.
    edge = world.company("70.10Z", where=(45.99, 4.84))
    assert match_company(world.company("70.10Z"), world.ctx, {}, NOW) != []
    assert match_company(edge, world.ctx, {}, NOW) == []


def test_an_activity_for_all_of_france_only_takes_companies_near_the_structure(
    world: World,
) -> None:
    world.activity(world.structure(), area=Area(kind=AreaKind.FRANCE))
    assert len(match_company(world.company("68.20A"), world.ctx, {}, NOW)) == 1
    far = world.company("68.20A", where=PARIS, department="75")
    assert match_company(far, world.ctx, {}, NOW) == []


def test_the_fields_answers_move_the_company_component(world: World) -> None:
    world.activity(world.structure())
    company = world.company("87.10A")  # EHPAD: a client, weight 0.7
    segment = Segment.of(GREEN, "87.10A", "69")
    assert segment is not None

    def relation(counts: dict[str, int]) -> float:
        evidence = {segment: SegmentEvidence(segment, counts)}
        [scored] = match_company(company, world.ctx, evidence, NOW)
        return next(c.points for c in scored.lead.components if c.name == "relation")

    neutral = relation({})
    liked = relation({Outcome.WON.value: 3, Outcome.INTERESTED.value: 2})
    disliked = relation({Outcome.NOT_INTERESTED.value: 5})
    assert disliked < neutral < liked
    # A couple of answers move it little.
    assert abs(relation({Outcome.NOT_INTERESTED.value: 1}) - neutral) < neutral - disliked
