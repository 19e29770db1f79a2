"""Where an activity reaches: radius, communes, departments, regions, all of France; and
missing places, which are unknown, not mismatches — except an entirely unknown place."""

from __future__ import annotations

from chantiers_common.events.structures import Area, AreaKind
from matching.eligibility import area_fit, service_type_fits, wanted_service_types
from matching.places import Place, cells_within, commune_department

from .conftest import LYON, PARIS, VILLEURBANNE, World

NEAR = Place(("69",), "69266", *VILLEURBANNE)
FAR = Place(("75",), "75056", *PARIS)


def test_a_radius_reaches_places_within_it_and_says_how_far(world: World) -> None:
    a = world.activity(world.structure(), area=Area(kind=AreaKind.RADIUS, radius_km=30))
    fit = area_fit(a, NEAR)
    assert fit.eligible and 4 < fit.distance_km < 5
    assert fit.reason == "À 4 km de votre structure (rayon de 30 km)"
    far = area_fit(a, FAR)
    assert not far.eligible and far.reason == "À 391 km, au-delà de votre rayon de 30 km"


def test_a_place_known_only_by_its_department_is_unknown_distance_not_a_mismatch(
    world: World,
) -> None:
    a = world.activity(world.structure())
    fit = area_fit(a, Place(("69",)))
    assert fit.eligible and fit.distance_km is None
    assert fit.reason == "Dans votre département (69), distance non précisée"
    assert not area_fit(a, Place(("38",))).eligible


def test_an_entirely_unknown_place_only_reaches_activities_serving_all_of_france(
    world: World,
) -> None:
    structure = world.structure()
    radius = world.activity(structure)
    france = world.activity(structure, area=Area(kind=AreaKind.FRANCE))
    departments = world.activity(structure, area=Area(kind=AreaKind.DEPARTMENTS, codes=["69"]))
    unknown = Place()
    assert not area_fit(radius, unknown).eligible
    assert not area_fit(departments, unknown).eligible
    fit = area_fit(france, unknown)
    assert fit.eligible and not fit.place_known
    assert fit.reason.startswith("Lieu d'exécution non précisé")
    # For companies (local prospects), all of France means around the structure.
    assert not area_fit(france, unknown, france_radius_km=50).eligible
    assert area_fit(france, NEAR, france_radius_km=50).eligible
    assert not area_fit(france, FAR, france_radius_km=50).eligible


def test_departments_regions_and_communes(world: World) -> None:
    structure = world.structure()
    deps = world.activity(structure, area=Area(kind=AreaKind.DEPARTMENTS, codes=["69", "01"]))
    assert area_fit(deps, NEAR).eligible and not area_fit(deps, FAR).eligible
    assert "département 69" in area_fit(deps, NEAR).reason
    region = world.activity(
        structure, area=Area(kind=AreaKind.REGIONS, codes=["84"], departments=["01", "38", "69"])
    )
    assert area_fit(region, NEAR).reason.endswith("(dans votre région)")
    communes = world.activity(
        structure, area=Area(kind=AreaKind.COMMUNES, codes=["69266", "69123"])
    )
    assert area_fit(communes, NEAR).eligible
    assert not area_fit(communes, Place(("69",), "69001")).eligible
    # No commune given: the departments of the listed communes.
    assert area_fit(communes, Place(("69",))).eligible
    assert commune_department("97411") == "974" and commune_department("2A004") == "2A"


def test_service_types_must_fit_unless_the_market_type_is_unknown(world: World) -> None:
    a = world.activity(world.structure())  # a service
    assert service_type_fits(wanted_service_types(["SERVICES"]), a)
    assert not service_type_fits(wanted_service_types(["FOURNITURES"]), a)
    assert service_type_fits(wanted_service_types([]), a)
    assert service_type_fits(wanted_service_types(["AUTRE"]), a)


def test_the_cells_of_a_circle_cover_its_box() -> None:
    cells = cells_within(*LYON, 30)
    assert (91, 9) in cells and len(cells) >= 4
