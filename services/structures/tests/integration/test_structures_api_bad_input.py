"""Bad input gets a 4xx naming the field and saying why (in French), and nothing is
half-written: no row, no outbox event. Each case of the issue is tried on every route
that takes that field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from structures.siae_file import read_siae_file

pytestmark = pytest.mark.stack

NEW = "80746931700018"  # a valid SIRET not in the registry
LA_POSTE_ONLY = "35600000049800"  # fails Luhn, but a La Poste establishment: valid


@dataclass(frozen=True)
class Target:
    siret: str
    activity_id: str
    contact_id: str


@pytest.fixture(scope="module")
async def target(loaded, subset_file: Path) -> Target:
    record = next(r for r in read_siae_file(subset_file).records
                  if r.suggestions and r.contact_email)
    siret = record.structure.siret
    activities = (await loaded.http.get(f"/structures/{siret}/activities")).json()
    contacts = (await loaded.http.get(f"/structures/{siret}/contacts",
                                      headers=loaded.admin())).json()
    return Target(siret, activities[0]["id"], contacts[0]["id"])


def structure(**fields: Any) -> dict[str, Any]:
    return {"siret": NEW, "kind": "ACI", "name": "Atelier", **fields}


def activity(**area: Any) -> dict[str, Any]:
    return {"sector": "maraichage", "area": {"kind": "radius", "radius_km": 20, **area}}


# (case, method, path, json body, query, expected field, expected code)
CASES: list[tuple[str, str, str, Any, Any, str, str]] = [
    # invalid SIRET checksum
    ("siret checksum", "POST", "/structures", structure(siret="80746931700019"), None,
     "siret", "siret.checksum"),
    ("siren checksum", "POST", "/structures", structure(siret="80746931800018"), None,
     "siret", "siret.siren_checksum"),
    ("la poste sum", "POST", "/structures", structure(siret="35600000049801"), None,
     "siret", "siret.checksum_la_poste"),
    ("siret length", "POST", "/structures", structure(siret="8074693170001"), None,
     "siret", "siret.length"),
    ("siret in path", "PATCH", "/structures/80746931700019", {"brand": "x"}, None,
     "siret", "siret.checksum"),
    # unknown sector slug
    ("sector", "POST", "/structures/{siret}/activities", {**activity(),
                                                          "sector": "maraichages"}, None,
     "sector", "sector.unknown"),
    ("contact sectors", "POST", "/structures/{siret}/contacts",
     {"email": "a@example.org", "sectors": ["nope"]}, None, "sectors[0]", "sector.unknown"),
    ("contact sectors patch", "PATCH", "/structures/{siret}/contacts/{contact}",
     {"sectors": ["maraichage", "nope"]}, None, "sectors[1]", "sector.unknown"),
    ("search sector", "GET", "/structures", None, {"sector": "nope"}, "sector",
     "sector.unknown"),
    # radius ≤ 0 or > 1000 km
    ("radius zero", "POST", "/structures/{siret}/activities", activity(radius_km=0), None,
     "area.radius_km", "radius.not_positive"),
    ("radius negative", "POST", "/structures/{siret}/activities", activity(radius_km=-5),
     None, "area.radius_km", "radius.not_positive"),
    ("radius too large", "POST", "/structures/{siret}/activities",
     activity(radius_km=1000.5), None, "area.radius_km", "radius.too_large"),
    ("radius patch", "PATCH", "/structures/{siret}/activities/{activity}",
     {"area": {"kind": "radius", "radius_km": 0}}, None, "area.radius_km",
     "radius.not_positive"),
    ("search radius zero", "GET", "/structures", None, {"near": "47.3,5.0", "radius_km": 0},
     "radius_km", "radius.not_positive"),
    ("search radius too large", "GET", "/structures", None,
     {"near": "47.3,5.0", "radius_km": 1001}, "radius_km", "radius.too_large"),
    # malformed email
    ("email", "POST", "/structures/{siret}/contacts", {"email": "claire@"}, None, "email",
     "email.malformed"),
    ("email no at", "POST", "/structures/{siret}/contacts", {"email": "claire.example.org"},
     None, "email", "email.malformed"),
    ("email patch", "PATCH", "/structures/{siret}/contacts/{contact}",
     {"email": "claire@@example.org"}, None, "email", "email.malformed"),
    # unknown department code
    ("department", "POST", "/structures", structure(department="00"), None, "department",
     "department.unknown"),
    ("department patch", "PATCH", "/structures/{siret}", {"department": "96"}, None,
     "department", "department.unknown"),
    ("area department", "POST", "/structures/{siret}/activities",
     {"sector": "maraichage", "area": {"kind": "departments", "codes": ["21", "96"]}}, None,
     "area.codes[1]", "department.unknown"),
    ("search department", "GET", "/structures", None, {"department": "2C"}, "department",
     "department.unknown"),
    # the request's shape
    ("missing field", "POST", "/structures", {"siret": NEW, "kind": "ACI"}, None, "name",
     "request.missing"),
    ("typo", "POST", "/structures/{siret}/contacts", {"email": "a@example.org",
                                                      "min_scor": 10}, None, "min_scor",
     "request.extra_forbidden"),
    ("not a number", "PATCH", "/structures/{siret}/contacts/{contact}",
     {"min_score": "beaucoup"}, None, "min_score", "request.int_parsing"),
    ("score bounds", "POST", "/structures/{siret}/contacts", {"email": "a@example.org",
                                                              "min_score": 101}, None,
     "min_score", "request.less_than_equal"),
    ("alert mode", "POST", "/structures/{siret}/contacts", {"email": "a@example.org",
                                                            "alert_mode": "hourly"}, None,
     "alert_mode", "request.enum"),
    ("read-only sector", "PATCH", "/structures/{siret}/activities/{activity}",
     {"sector": "espaces-verts"}, None, "sector", "request.extra_forbidden"),
    ("cap rate", "PATCH", "/structures/{siret}", {"cap_rate": 0.6}, None, "cap_rate",
     "cap_rate.out_of_bounds"),
    ("negative revenue", "PATCH", "/structures/{siret}", {"commercial_revenue_eur": -1},
     None, "commercial_revenue_eur", "request.greater_than_equal"),
]


async def state(loaded, target: Target) -> tuple[Any, ...]:
    get = loaded.http.get
    return (
        (await get(f"/structures/{target.siret}")).json(),
        (await get(f"/structures/{target.siret}/activities")).json(),
        (await get(f"/structures/{target.siret}/contacts", headers=loaded.admin())).json(),
        (await get(f"/structures/{NEW}")).status_code,
        await loaded.outbox_count(),
    )


@pytest.mark.parametrize(("case", "method", "path", "body", "query", "field", "code"), CASES,
                         ids=[case[0] for case in CASES])
async def test_bad_input_names_the_field_and_writes_nothing(loaded, target, case, method,
                                                             path, body, query, field, code):
    before = await state(loaded, target)
    url = path.format(siret=target.siret, activity=target.activity_id,
                      contact=target.contact_id)
    response = await loaded.http.request(method, url, json=body, params=query,
                                         headers=loaded.admin())
    assert response.status_code == 422, response.text
    errors = {(e["field"], e["code"]): e["message"] for e in response.json()["detail"]}
    assert (field, code) in errors, errors
    assert errors[(field, code)].strip()
    assert await state(loaded, target) == before


async def test_all_wrong_fields_are_reported_at_once(loaded, target):
    before = await state(loaded, target)
    response = await loaded.http.post("/structures", headers=loaded.admin(), json=structure(
        siret="80746931700019", department="00", kind="SA", post_code="2100"))
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["detail"]} == {
        "siret", "department", "kind", "post_code"}
    assert await state(loaded, target) == before


async def test_messages_are_french_and_say_why(loaded, target):
    response = await loaded.http.post(f"/structures/{target.siret}/activities",
                                      headers=loaded.admin(),
                                      json={**activity(), "sector": "maraichages"})
    message = response.json()["detail"][0]["message"]
    assert "secteur inconnu" in message and "maraichage" in message  # a close match
    radius = await loaded.http.post(f"/structures/{target.siret}/activities",
                                    headers=loaded.admin(), json=activity(radius_km=1500))
    assert "1000 km" in radius.json()["detail"][0]["message"]


async def test_a_la_poste_establishment_is_accepted(loaded, bus):
    response = await loaded.http.post("/structures", headers=loaded.admin(),
                                      json=structure(siret=LA_POSTE_ONLY, kind="EI"))
    assert response.status_code == 201, response.text
    assert response.json()["siren"] == "356000000"
    await bus.wait_count(1, "structure.registered")
