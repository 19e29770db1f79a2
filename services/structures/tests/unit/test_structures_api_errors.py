"""Request-shape errors answer in the API's one error shape, in French, naming the field."""

from structures.api.errors import _field, _from_pydantic


def test_fields_are_dotted_paths_without_the_location_prefix():
    assert _field(("body", "area", "radius_km")) == "area.radius_km"
    assert _field(("query", "limit")) == "limit"
    assert _field(("body", "sectors", 1)) == "sectors[1]"
    assert _field(("body",)) == "body"


def test_known_errors_are_translated_and_others_kept():
    assert _from_pydantic({"type": "greater_than_equal", "loc": ("body", "min_score"),
                           "msg": "Input should be greater than or equal to 0",
                           "ctx": {"ge": 0}}) == {
        "field": "min_score", "code": "request.greater_than_equal",
        "message": "doit être supérieur ou égal à 0"}
    assert _from_pydantic({"type": "missing", "loc": ("body", "email"),
                           "msg": "Field required"})["message"] == "champ obligatoire"
    assert _from_pydantic({"type": "something_new", "loc": ("query", "x"),
                           "msg": "Odd input"})["message"] == "Odd input"
