"""Bad input is refused with a message that names the field and says why."""

import pytest

from chantiers_common.events.structures import Activity, Area, AreaKind, Contact, Structure
from structures.validation import (
    FieldError,
    ValidationFailed,
    check_activity,
    check_area,
    check_contact,
    check_department,
    check_email,
    check_radius,
    check_sector,
    check_sectors,
    check_siret,
    check_structure,
)


def test_invalid_siret_checksum():
    with pytest.raises(FieldError) as caught:
        check_siret("38269518700000", field="structure.siret")
    error = caught.value
    assert (error.field, error.code) == ("structure.siret", "siret.checksum")
    assert "clé de contrôle" in error.message
    assert str(error).startswith("structure.siret : ")
    assert check_siret("807 469 317 00018") == "80746931700018"


def test_unknown_sector_slug_suggests_the_close_ones():
    assert check_sector("maraichage") == "maraichage"
    with pytest.raises(FieldError) as caught:
        check_sector("maraichages")
    assert caught.value.code == "sector.unknown"
    assert "« maraichages »" in caught.value.message
    assert "maraichage" in caught.value.message.split("vouliez-vous dire")[1]


def test_sector_lists_name_the_wrong_item():
    with pytest.raises(FieldError) as caught:
        check_sectors(["maraichage", "jardinage-lunaire"], field="contact.sectors")
    assert caught.value.field == "contact.sectors[1]"


@pytest.mark.parametrize(("radius", "code"), [(0, "radius.not_positive"),
                                              (-5, "radius.not_positive"),
                                              (float("nan"), "radius.not_positive"),
                                              (1000.5, "radius.too_large"),
                                              (None, "radius.missing")])
def test_radius_bounds(radius, code):
    with pytest.raises(FieldError) as caught:
        check_radius(radius)
    assert caught.value.code == code
    assert caught.value.field == "area.radius_km"


def test_radius_limits_are_inclusive_at_1000():
    assert check_radius(1000) == 1000.0
    assert check_radius(0.5) == 0.5
    with pytest.raises(FieldError) as caught:
        check_radius(1500)
    assert "1500 km" in caught.value.message and "1000 km" in caught.value.message


@pytest.mark.parametrize("email", ["pas-une-adresse", "a@b@c.fr", "jean@", "jean dupont@x.fr",
                                   "jean@exemple"])
def test_malformed_email(email):
    with pytest.raises(FieldError) as caught:
        check_email(email, field="contact.email")
    assert caught.value.code == "email.malformed"
    assert caught.value.field == "contact.email"
    assert email in caught.value.message


def test_emails_are_normalised():
    assert check_email(" Jeanne.Martin@Exemple.FR ") == "Jeanne.Martin@exemple.fr"


@pytest.mark.parametrize("code", ["20", "96", "999", "ZZ", ""])
def test_unknown_department(code):
    with pytest.raises(FieldError) as caught:
        check_department(code)
    assert caught.value.code == "department.unknown"
    assert f"« {code} »" in caught.value.message


def test_known_departments_are_normalised():
    assert check_department("2a") == "2A"
    assert check_department("1") == "01"
    assert check_department("975") == "975"


def test_region_area_lists_its_departments():
    area = check_area(Area(kind=AreaKind.REGIONS, codes=["27"]))
    assert area.departments == ["21", "25", "39", "58", "70", "71", "89", "90"]


def test_commune_area_is_checked_against_insee_codes():
    area = check_area(Area(kind=AreaKind.COMMUNES, codes=["21231", "75056", "97411"]))
    assert area.departments == ["21", "75", "974"]


def test_france_covers_every_department():
    area = check_area(Area(kind=AreaKind.FRANCE))
    assert {"01", "2A", "2B", "976"} <= set(area.departments)


def test_all_errors_of_an_area_are_reported_at_once():
    with pytest.raises(ValidationFailed) as caught:
        check_area(Area(kind=AreaKind.DEPARTMENTS, codes=["21", "20", "XX"]))
    fields = [error.field for error in caught.value.errors]
    assert fields == ["area.codes[1]", "area.codes[2]"]
    body = caught.value.to_dict()
    assert body["detail"][0]["code"] == "department.unknown"
    assert "« 20 »" in body["detail"][0]["message"]


def test_an_area_of_codes_needs_codes():
    with pytest.raises(ValidationFailed) as caught:
        check_area(Area(kind=AreaKind.COMMUNES, codes=[]))
    assert caught.value.errors[0].code == "area.codes_missing"


def test_radius_area_needs_a_radius():
    with pytest.raises(ValidationFailed) as caught:
        check_area(Area(kind=AreaKind.RADIUS))
    assert caught.value.errors[0].field == "area.radius_km"


def test_an_activity_reports_every_wrong_field():
    activity = Activity(id="a", structure_siret="38269518700000", sector="jardinage-lunaire",
                        area=Area(kind=AreaKind.DEPARTMENTS, codes=["21", "20"]))
    with pytest.raises(ValidationFailed) as caught:
        check_activity(activity)
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("structure_siret", "siret.checksum"),
        ("sector", "sector.unknown"),
        ("area.codes[1]", "department.unknown"),
    ]


def test_a_valid_activity_gets_its_area_departments():
    activity = Activity(id="a", structure_siret="80746931700018", sector="maraichage",
                        area=Area(kind=AreaKind.REGIONS, codes=["94"]))
    assert check_activity(activity).area.departments == ["2A", "2B"]


def test_a_contact_reports_email_and_sector_filters():
    contact = Contact(id="c", structure_siret="80746931700018", email="marie@",
                      sectors=["maraichage", "potager"])
    with pytest.raises(ValidationFailed) as caught:
        check_contact(contact)
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("email", "email.malformed"), ("sectors[1]", "sector.unknown")]
    ok = contact.model_copy(update={"email": "Marie@Exemple.FR", "sectors": ["maraichage"]})
    assert check_contact(ok).email == "Marie@exemple.fr"


def test_a_structure_gets_its_region_and_a_consistent_siren():
    structure = Structure(siret="80746931700018", siren="807469317", kind="ACI", name="X",
                          department="21")
    assert check_structure(structure).region == "27"
    wrong = structure.model_copy(update={"siren": "807469318", "department": "20",
                                         "cap_rate": 0.6})
    with pytest.raises(ValidationFailed) as caught:
        check_structure(wrong)
    assert [e.code for e in caught.value.errors] == [
        "siren.mismatch", "department.unknown", "cap_rate.out_of_bounds"]
