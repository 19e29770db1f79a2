"""The in-memory catalog: activities filed by where they reach, kept in step with changes."""

from __future__ import annotations

from chantiers_common.events.structures import Area, AreaKind
from matching.catalog import StructureInfo
from matching.places import Place

from .conftest import CLEANING, GREEN, LYON, PARIS, VILLEURBANNE, World

NEAR = Place(("69",), "69266", *VILLEURBANNE)


def test_near_finds_radius_department_and_france_activities_of_the_sector(world: World) -> None:
    lyon, paris = world.structure(LYON, "69"), world.structure(PARIS, "75")
    radius = world.activity(lyon)
    other_sector = world.activity(lyon, CLEANING)
    far = world.activity(paris)
    deps = world.activity(paris, area=Area(kind=AreaKind.DEPARTMENTS, codes=["69"]))
    france = world.activity(paris, area=Area(kind=AreaKind.FRANCE))
    found = {a.id for a in world.ctx.catalog.near(GREEN, NEAR)}
    assert {radius.id, deps.id, france.id} <= found
    assert other_sector.id not in found and far.id not in found
    # For companies, all of France means near the structure: Paris is not near Lyon.
    for_company = {a.id for a in world.ctx.catalog.near(GREEN, NEAR, for_company=True)}
    assert france.id not in for_company and radius.id in for_company


def test_a_changed_activity_moves_and_a_removed_one_goes(world: World) -> None:
    lyon = world.structure(LYON, "69")
    a = world.activity(lyon, id="a-1")
    moved = world.activity(lyon, id="a-1", area=Area(kind=AreaKind.DEPARTMENTS, codes=["75"]))
    catalog = world.ctx.catalog
    assert catalog.activities["a-1"] == moved != a
    assert [x.id for x in catalog.near(GREEN, Place(("75",)))] == ["a-1"]
    assert catalog.near(GREEN, NEAR) == []
    catalog.remove_activity("a-1")
    assert catalog.near(GREEN, Place(("75",))) == [] and catalog.of_structure(lyon.siret) == []
    assert len(catalog) == 0


def test_an_unknown_structure_counts_as_active_a_deactivated_one_does_not(world: World) -> None:
    catalog = world.ctx.catalog
    assert catalog.structure_active("00000000000000")
    catalog.put_structure(StructureInfo("00000000000000", "ACI", active=False))
    assert not catalog.structure_active("00000000000000")
