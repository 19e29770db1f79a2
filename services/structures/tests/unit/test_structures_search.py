"""Search parameters are checked before any query, every wrong one named."""

import pytest

from chantiers_common.events.common_types import GeoPoint
from structures.queries import fold
from structures.search import parse_point, search_filter
from structures.validation import FieldError, ValidationFailed


def codes(**params):
    with pytest.raises(ValidationFailed) as caught:
        search_filter(**params)
    return {(e.field, e.code) for e in caught.value.errors}


def test_a_point_is_lat_comma_lon():
    assert parse_point(" 47.32, 5.04 ") == GeoPoint(lat=47.32, lon=5.04)
    for text, code in (("47.32", "point.malformed"), ("a,b", "point.malformed"),
                       ("nan,5", "point.malformed"), ("95,5", "point.out_of_bounds")):
        with pytest.raises(FieldError) as caught:
            parse_point(text)
        assert (caught.value.field, caught.value.code) == ("near", code)


def test_filters():
    where = search_filter(department="1", kind="aci", sector="maraichage", q="  Cocagne ",
                          near="47.3,5.0", radius_km=25)
    assert (where.department, where.kind, where.text, where.radius_km) == (
        "01", "ACI", "Cocagne", 25.0)
    assert codes(near="47.3,5.0") == {("radius_km", "radius.missing")}
    assert codes(radius_km=10) == {("near", "near.missing")}
    assert codes(near="47.3,5.0", radius_km=0) == {("radius_km", "radius.not_positive")}
    assert codes(near="47.3,5.0", radius_km=1001) == {("radius_km", "radius.too_large")}
    assert codes(department="00", kind="SA", sector="nope") == {
        ("department", "department.unknown"), ("kind", "kind.unknown"),
        ("sector", "sector.unknown")}
    # PostgreSQL text cannot hold NUL (found by the API fuzzer as a 500).
    assert codes(q="Cocagne\x00") == {("q", "q.nul_character")}


def test_text_is_folded_as_unaccent_lower_does():
    assert fold("Épicerie Œuvre SOLIDAIRE") == "epicerie oeuvre solidaire"
