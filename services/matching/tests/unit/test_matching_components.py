"""Each component's share and its French reason, on the cases a person would check."""

from __future__ import annotations

from datetime import timedelta

from chantiers_common.events.prospects import Lot
from matching import components as c
from matching.catalog import StructureInfo

from .conftest import NOW, TODAY, World


def aci(**fields: float | int | None) -> StructureInfo:
    return StructureInfo("80746931700018", "ACI", **fields)  # type: ignore[arg-type]


def test_amount_within_the_headroom_under_the_cap_earns_everything(world: World) -> None:
    part = c.amount_part(world.tender(amount_eur=30_000), aci(headroom_eur=50_000))
    assert part.share == 1.0
    assert part.reason == (
        "Montant estimé 30 000 € : tient dans votre marge de 50 000 € sous le plafond de 30 %"
    )


def test_amount_beyond_the_headroom_earns_less_unless_a_lot_fits(world: World) -> None:
    big = world.tender(amount_eur=120_000)
    assert c.amount_part(big, aci(headroom_eur=50_000)).share == 0.3
    lots = world.tender(lots=[Lot(amount_eur=80_000), Lot(amount_eur=40_000)])
    part = c.amount_part(lots, aci(headroom_eur=50_000))
    assert part.share == 0.7 and "le plus petit lot (40 000 €) y tient" in part.reason
    derogation = c.amount_part(big, aci(headroom_eur=50_000, cap_rate=0.5))
    assert "plafond de 50 %" in derogation.reason


def test_a_structure_at_its_cap_gets_little_and_is_told_why(world: World) -> None:
    part = c.amount_part(world.tender(amount_eur=10_000), aci(headroom_eur=-2_000))
    assert part.share == 0.1 and "déjà atteint" in part.reason


def test_unknown_figures_are_not_a_mismatch(world: World) -> None:
    assert c.amount_part(world.tender(), aci(headroom_eur=50_000)).share == 0.5
    unknown_size = c.amount_part(world.tender(amount_eur=30_000), aci())
    assert unknown_size.share == 0.5 and "non déclarée" in unknown_size.reason
    assert c.amount_part(world.tender(amount_eur=30_000), None).share == 0.5


def test_without_a_cap_the_amount_is_weighed_against_revenue_or_team(world: World) -> None:
    ei = StructureInfo("80746931700018", "EI", commercial_revenue_eur=400_000)
    assert c.amount_part(world.tender(amount_eur=100_000), ei).share == 1.0
    assert c.amount_part(world.tender(amount_eur=900_000), ei).share == 0.3
    team = StructureInfo("80746931700018", "ACI", insertion_headcount=10, permanent_headcount=2)
    assert c.amount_part(world.tender(amount_eur=200_000), team).reason.endswith(
        "à la mesure d'une équipe de 12 personnes"
    )


def test_deadline_a_passed_one_makes_no_lead_a_short_one_earns_less() -> None:
    assert c.deadline_part(NOW - timedelta(hours=1), NOW) is None
    short = c.deadline_part(NOW + timedelta(days=3), NOW)
    assert short is not None and short.share == 0.2
    assert short.reason == "Réponse avant le 05/03/2026 : délai très court"
    assert c.deadline_part(NOW + timedelta(days=30), NOW).share == 1.0  # type: ignore[union-attr]
    assert c.deadline_part(None, NOW).share == 0.5  # type: ignore[union-attr]


def test_the_deadline_sentence_does_not_change_from_one_day_to_the_next() -> None:
    deadline = NOW + timedelta(days=25)
    today = c.deadline_part(deadline, NOW)
    tomorrow = c.deadline_part(deadline, NOW + timedelta(days=1))
    assert today == tomorrow


def test_social_criteria_rank_reserved_markets_first(world: World) -> None:
    assert c.social_part(world.tender(reserved_siae=True), "ACI").share == 1.0
    assert c.social_part(world.tender(insertion_market=True), "ACI").share == 1.0
    assert c.social_part(world.tender(social_criteria=True), "ACI").share == 0.7
    assert c.social_part(world.tender(family="MAPA"), "ACI").share == 0.3
    assert c.social_part(world.tender(), "ACI").share == 0.0
    disabled = world.tender(reserved_disabled=True)
    assert c.social_part(disabled, "EA").share == 1.0
    assert c.social_part(disabled, "ACI").share == 0.0


def test_buyer_history_and_freshness() -> None:
    assert c.buyer_history_part("21690123100011", 3).reason == (
        "Acheteur ayant déjà attribué 3 marchés à des SIAE"
    )
    assert c.buyer_history_part("21690123100011", 1).share == 0.7
    assert c.buyer_history_part("21690123100011", 0).share < 0.5
    assert c.buyer_history_part(None, 0).reason.startswith("SIRET de l'acheteur non précisé")
    assert c.freshness_part(TODAY, TODAY).share == 1.0
    assert c.freshness_part(TODAY - timedelta(days=40), TODAY).reason.endswith("ancien")
    assert c.freshness_part(None, TODAY).share == 0.5
