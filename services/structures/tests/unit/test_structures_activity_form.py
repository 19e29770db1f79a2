"""Activities from what staff type: the area checked with French messages naming the
field, the sector as the activity's identity."""

import pytest

from chantiers_common.events.common_types import GeoPoint, ServiceType
from chantiers_common.events.structures import AreaKind, Structure
from structures.activity_form import area_of, changed_activity, new_activity
from structures.suggest import activity_id
from structures.validation import FieldError, ValidationFailed

STRUCTURE = Structure(siret="80746931700018", siren="807469317", kind="ACI", name="A",
                      department="21", location=GeoPoint(lat=47.3, lon=5.0))


def codes_of(call, *args, **kwargs):
    with pytest.raises((ValidationFailed, FieldError)) as caught:
        call(*args, **kwargs)
    errors = getattr(caught.value, "errors", [caught.value])
    return {(e.field, e.code) for e in errors}


@pytest.mark.parametrize(("radius", "code"), [(0, "radius.not_positive"),
                                              (-1, "radius.not_positive"),
                                              (1000.1, "radius.too_large"),
                                              (None, "radius.missing")])
def test_radius_bounds(radius, code):
    assert codes_of(area_of, AreaKind.RADIUS, radius) == {("area.radius_km", code)}


def test_codes_are_checked_one_by_one_and_regions_expanded():
    assert codes_of(area_of, AreaKind.DEPARTMENTS, None, ["21", "99", "2a"]) == {
        ("area.codes[1]", "department.unknown")}
    region = area_of(AreaKind.REGIONS, None, ["27"])
    assert "21" in region.departments and len(region.departments) == 8
    assert len(area_of(AreaKind.FRANCE).departments) > 95
    assert codes_of(area_of, AreaKind.DEPARTMENTS, 30, ["21"]) == {
        ("area.radius_km", "area.radius_unexpected")}
    assert codes_of(area_of, AreaKind.COMMUNES) == {("area.codes", "area.codes_missing")}


def test_new_activity_is_confirmed_with_its_structure_place():
    activity = new_activity(STRUCTURE, "maraichage", [ServiceType.GOODS, ServiceType.GOODS],
                            area_of(AreaKind.RADIUS, 25), " paniers le mardi ")
    assert activity.id == activity_id(STRUCTURE.siret, "maraichage")
    assert activity.status == "confirmed" and activity.service_types == [ServiceType.GOODS]
    assert activity.structure_location == STRUCTURE.location
    assert activity.capacity_notes == "paniers le mardi"
    assert codes_of(new_activity, STRUCTURE, "maraichages", [ServiceType.SERVICE],
                    area_of(AreaKind.RADIUS, 25)) == {("sector", "sector.unknown")}


def test_the_sector_cannot_change_and_service_types_cannot_be_empty():
    activity = new_activity(STRUCTURE, "maraichage", [ServiceType.SERVICE],
                            area_of(AreaKind.RADIUS, 25))
    assert codes_of(changed_activity, activity, {"sector": "espaces-verts"}, STRUCTURE) == {
        ("sector", "field.read_only")}
    assert codes_of(changed_activity, activity, {"service_types": []}, STRUCTURE) == {
        ("service_types", "service_types.missing")}
    wider = changed_activity(activity, {"area": area_of(AreaKind.DEPARTMENTS, None, ["21"])},
                             STRUCTURE)
    assert wider.area.codes == ["21"] and wider.sector == "maraichage"
