"""A structure from what staff type: derived fields, and every wrong field at once."""

import pytest

from chantiers_common.events.common_types import GeoPoint
from structures.structure_form import changed_structure, moved, new_structure
from structures.validation import ValidationFailed

SIRET = "80746931700018"


def errors_of(call, *args, **kwargs):
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return {(e.field, e.code) for e in caught.value.errors}


def test_commune_department_region_and_point_come_from_the_address():
    s = new_structure(SIRET, {"kind": "aci", "name": " Jardins de Dijon ",
                              "post_code": "21000", "city": "Dijon"})
    assert (s.siren, s.kind, s.name) == ("807469317", "ACI", "Jardins de Dijon")
    assert (s.commune_insee, s.department, s.region) == ("21231", "21", "27")
    assert s.location is not None and abs(s.location.lat - 47.32) < 0.05
    assert s.cap_rate == 0.30 and s.active


def test_given_coordinates_and_figures_are_kept_and_headroom_computed():
    s = new_structure(SIRET, {"kind": "ACI", "name": "A", "post_code": "21000",
                              "city": "Dijon", "location": GeoPoint(lat=47.0, lon=5.0),
                              "commercial_revenue_eur": 20_000,
                              "commercial_costs_eur": 100_000, "cap_rate": 0.5})
    assert s.location == GeoPoint(lat=47.0, lon=5.0)
    assert s.headroom_eur == 30_000.0


def test_every_wrong_field_is_reported_at_once():
    assert errors_of(new_structure, "80746931700019", {
        "kind": "XYZ", "name": "", "department": "00", "post_code": "123", "naf": "zz",
        "cap_rate": 0.7}) == {
        ("siret", "siret.checksum"), ("kind", "kind.unknown"), ("name", "name.missing"),
        ("department", "department.unknown"), ("post_code", "post_code.malformed"),
        ("naf", "naf.malformed"), ("cap_rate", "cap_rate.out_of_bounds")}


def test_a_commune_outside_the_department_is_refused():
    assert errors_of(new_structure, SIRET, {"kind": "ACI", "name": "A", "department": "13",
                                            "commune_insee": "21231"}) == {
        ("commune_insee", "commune.other_department")}


def test_a_move_derives_the_place_again_unless_given():
    dijon = new_structure(SIRET, {"kind": "ACI", "name": "A", "post_code": "21000",
                                  "city": "Dijon"})
    lyon = changed_structure(dijon, {"post_code": "69001", "city": "Lyon"})
    assert (lyon.department, lyon.region) == ("69", "84")
    assert lyon.commune_insee.startswith("69") and lyon.location != dijon.location
    assert moved(dijon, lyon)
    renamed = changed_structure(dijon, {"name": "B"})
    assert renamed.location == dijon.location and not moved(dijon, renamed)
    pinned = changed_structure(dijon, {"post_code": "69001", "city": "Lyon",
                                       "location": GeoPoint(lat=45.0, lon=4.0)})
    assert pinned.location == GeoPoint(lat=45.0, lon=4.0)


def test_an_update_keeps_the_identity_and_the_active_flag():
    s = new_structure(SIRET, {"kind": "ACI", "name": "A"}).model_copy(update={"active": False})
    assert errors_of(changed_structure, s, {"siret": "41234567800017"}) == {
        ("siret", "field.read_only")}
    assert errors_of(changed_structure, s, {"name": None}) == {("name", "name.missing")}
    assert not changed_structure(s, {"brand": "B"}).active
