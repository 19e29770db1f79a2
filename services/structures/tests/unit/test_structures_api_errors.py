"""Request-shape errors answer in the API's one error shape, in French, naming the field."""

import pytest
from pydantic import ValidationError

from structures.api.errors import _field, _from_pydantic
from structures.api.models import ContactIn, StructureIn


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


def test_a_nul_character_anywhere_in_a_request_is_refused_by_name():
    """PostgreSQL text cannot hold NUL: a 422 naming the field, not a 500 at the write."""
    for model, body, field in (
            (StructureIn, {"siret": "80746931700018", "kind": "ACI", "name": "Atelier\x00"},
             "name"),
            (ContactIn, {"name": "Claire", "email": "claire@example.fr",
                         "sectors": ["espaces-verts", "\x00"]}, "sectors")):
        with pytest.raises(ValidationError) as caught:
            model.model_validate(body)
        [error] = [_from_pydantic(e) for e in caught.value.errors()]
        assert error == {"field": field, "code": "request.value_error",
                         "message": "caractère NUL (U+0000) interdit"}
    StructureIn.model_validate({"siret": "80746931700018", "kind": "ACI", "name": "Atelier"})
