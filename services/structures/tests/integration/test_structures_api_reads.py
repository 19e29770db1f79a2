"""Reading the registry over HTTP, on real structures imported by the real command: one
structure, searches (department, kind, sector, text, distance, pages), activities, the
taxonomy, the OpenAPI document, and contacts (personal data: token needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chantiers_common.geo import haversine_km
from structures.siae_file import SiaeRecord, read_siae_file

pytestmark = pytest.mark.stack

DIJON = (47.3220, 5.0415)


@pytest.fixture(scope="module")
def records(subset_file: Path) -> dict[str, SiaeRecord]:
    return {r.structure.siret: r for r in read_siae_file(subset_file).records}


def a_structure_with(records, *, suggestions: int = 1) -> SiaeRecord:
    return next(r for r in records.values() if len(r.suggestions) >= suggestions
                and r.structure.department == "21" and r.structure.location is not None)


async def test_one_structure_as_the_file_says(loaded, records):
    record = a_structure_with(records)
    response = await loaded.http.get(f"/structures/{record.structure.siret}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == record.structure.name
    assert (body["department"], body["region"]) == ("21", "27")
    assert body["location"] == record.structure.location.model_dump()
    assert body["description"] == record.description
    assert body["active"] is True


async def test_unknown_and_malformed_sirets(loaded):
    missing = await loaded.http.get("/structures/80746931700018")
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["field"] == "structure"
    wrong = await loaded.http.get("/structures/80746931700019")
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0] | {"message": ""} == {
        "field": "siret", "code": "siret.checksum", "message": ""}


async def test_search_by_department_and_kind(loaded, records):
    page = (await loaded.http.get("/structures", params={"department": "21",
                                                         "limit": 500})).json()
    expected = {s for s, r in records.items() if r.structure.department == "21"}
    assert page["total"] == len(expected) > 10
    assert {item["siret"] for item in page["items"]} == expected
    acis = (await loaded.http.get("/structures", params={"department": "21", "kind": "aci",
                                                         "limit": 500})).json()
    assert {i["siret"] for i in acis["items"]} == {
        s for s in expected if records[s].structure.kind == "ACI"}
    assert 0 < acis["total"] < page["total"]


async def test_search_by_sector_finds_the_suggested_activities(loaded, records):
    record = a_structure_with(records)
    sector = record.suggestions[0].sector
    page = (await loaded.http.get("/structures", params={"sector": sector,
                                                         "limit": 500})).json()
    assert {i["siret"] for i in page["items"]} == {
        s for s, r in records.items() if sector in {x.sector for x in r.suggestions}}


async def test_text_search_ignores_case_and_accents(loaded, records):
    record = a_structure_with(records)
    word = max(record.structure.name.split(), key=len)
    # The same word, in lower case, with an accent on its first vowel.
    accented = word.lower().replace("e", "é", 1) if "e" in word.lower() else word.lower()
    page = (await loaded.http.get("/structures", params={"q": accented,
                                                         "limit": 500})).json()
    assert record.structure.siret in {i["siret"] for i in page["items"]}
    none = (await loaded.http.get("/structures", params={"q": "zzqx-nulle-part"})).json()
    assert none == {"total": 0, "offset": 0, "limit": 50, "items": []}


async def test_search_near_a_point_in_postgresql(loaded, records):
    radius = 20.0
    page = (await loaded.http.get("/structures", params={
        "near": f"{DIJON[0]},{DIJON[1]}", "radius_km": radius, "limit": 500})).json()
    distances = [i["distance_km"] for i in page["items"]]
    assert distances == sorted(distances) and all(d <= radius for d in distances)
    for item in page["items"]:
        here = (item["location"]["lat"], item["location"]["lon"])
        assert item["distance_km"] == pytest.approx(haversine_km(*DIJON, *here), rel=0.005)
    got = {i["siret"] for i in page["items"]}
    within = {s for s, r in records.items() if r.structure.location and haversine_km(
        *DIJON, r.structure.location.lat, r.structure.location.lon) < radius - 0.2}
    beyond = {s for s, r in records.items() if not r.structure.location or haversine_km(
        *DIJON, r.structure.location.lat, r.structure.location.lon) > radius + 0.2}
    assert within and within <= got and not (got & beyond)
    assert page["total"] == len(got)


async def test_pages(loaded, records):
    first = (await loaded.http.get("/structures", params={"limit": 5})).json()
    second = (await loaded.http.get("/structures", params={"limit": 5, "offset": 5})).json()
    assert first["total"] == second["total"] == len(records)
    names = [i["name"] for i in first["items"] + second["items"]]
    assert names == sorted(names) and len(set(i["siret"] for i in
                                              first["items"] + second["items"])) == 10
    too_big = await loaded.http.get("/structures", params={"limit": 501})
    assert too_big.status_code == 422
    assert too_big.json()["detail"][0]["field"] == "limit"


async def test_activities_of_a_structure(loaded, records):
    record = a_structure_with(records, suggestions=2)
    response = await loaded.http.get(f"/structures/{record.structure.siret}/activities")
    assert response.status_code == 200
    activities = response.json()
    assert {a["sector"] for a in activities} == {s.sector for s in record.suggestions}
    for activity in activities:
        assert activity["status"] == "suggested" and activity["triggers"]
        assert activity["area"]["kind"] == "radius"
        assert activity["structure_location"] == record.structure.location.model_dump()
    empty = await loaded.http.get("/structures/80746931700018/activities")
    assert empty.status_code == 404


async def test_the_sector_taxonomy(loaded):
    groups = (await loaded.http.get("/sectors")).json()
    slugs = [s["slug"] for g in groups for s in g["sectors"]]
    assert len(groups) == 20 and len(slugs) == len(set(slugs)) == 154
    assert "maraichage" in slugs


async def test_the_openapi_document_is_published(loaded):
    document = (await loaded.http.get("/openapi.json")).json()
    paths = document["paths"]
    for path, method in (("/structures", "get"), ("/structures", "post"),
                         ("/structures/{siret}", "patch"),
                         ("/structures/{siret}/deactivate", "post"),
                         ("/structures/{siret}/activities/{activity_id}/confirm", "post"),
                         ("/structures/{siret}/contacts/{contact_id}", "patch"),
                         ("/structures/{siret}/tokens", "post"), ("/sectors", "get")):
        assert method in paths[path], (path, method)
    patch = paths["/structures/{siret}"]["patch"]
    assert patch["responses"]["422"]["content"]["application/json"]["schema"]["$ref"] \
        .endswith("/ErrorOut")
    assert "HTTPBearer" in document["components"]["securitySchemes"]


async def test_contacts_are_read_with_a_token_of_the_structure(loaded, records):
    mine, other = [r.structure.siret for r in records.values()
                   if r.contact_email and r.structure.department == "21"][:2]
    anonymous = await loaded.http.get(f"/structures/{mine}/contacts")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    token = await loaded.issue(mine)
    own = await loaded.http.get(f"/structures/{mine}/contacts", headers=loaded.bearer(token))
    assert own.status_code == 200
    assert [c["email"] for c in own.json()] == [records[mine].contact_email]
    across = await loaded.http.get(f"/structures/{other}/contacts",
                                   headers=loaded.bearer(token))
    assert across.status_code == 403
    assert across.json()["detail"][0]["code"] == "token.other_structure"
    by_admin = await loaded.http.get(f"/structures/{other}/contacts", headers=loaded.admin())
    assert by_admin.status_code == 200 and len(by_admin.json()) == 1
