"""Award leads: winners of markets with a social clause, for the same trade nearby."""

from __future__ import annotations

from chantiers_common.events.prospects import Winner
from matching.award_match import match_award

from .conftest import NOW, World, green


def test_the_winner_of_a_market_with_a_clause_is_a_lead_for_the_same_trade(world: World) -> None:
    structure = world.structure()
    world.activity(structure)
    award = world.tender(nature="ATTRIBUTION", social_criteria=True)
    winner = Winner(name="Paysages SA", siret="51234567800012", amount_eur=250_000)
    company = world.company("81.30Z", headcount_band="21", siret="51234567800012")
    [scored] = match_award(award, winner, company, world.ctx, NOW, sectors=[green()])
    lead = scored.lead
    assert (lead.kind, lead.counterpart, lead.prospect_ref) == (
        "award",
        "Paysages SA",
        f"{award.idweb}:51234567800012",
    )
    assert lead.reasons[0].startswith(
        "Marché attribué avec clause sociale : le titulaire doit réaliser des heures d'insertion"
    )
    assert "Titulaire : 50 à 99 salariés" in lead.reasons
    assert scored.naf == "81.30Z"


def test_no_award_lead_without_a_clause_or_on_a_winner_that_is_an_siae(world: World) -> None:
    structure = world.structure()
    world.activity(structure)
    plain = world.tender(nature="ATTRIBUTION")
    assert match_award(plain, Winner(name="X"), None, world.ctx, NOW, sectors=[green()]) == []
    clause = world.tender(nature="ATTRIBUTION", insertion_market=True)
    peer = Winner(name="Autre SIAE", siret=world.structure().siret)
    assert match_award(clause, peer, None, world.ctx, NOW, sectors=[green()]) == []


def test_an_award_without_place_is_placed_where_the_winner_is(world: World) -> None:
    world.activity(world.structure())
    award = world.tender(where=None, nature="ATTRIBUTION", social_criteria=True)
    winner = Winner(name="Paysages SA", siret="51234567800012")
    assert match_award(award, winner, None, world.ctx, NOW, sectors=[green()]) == []
    company = world.company("81.30Z", siret="51234567800012")
    [scored] = match_award(award, winner, company, world.ctx, NOW, sectors=[green()])
    assert scored.lead.distance_km is not None and scored.lead.distance_km < 10
