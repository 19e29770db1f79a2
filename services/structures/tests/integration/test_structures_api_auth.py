"""Who may write: the admin token everything, a structure token its own structure only.
Every write route (and reading contacts) is tried with another structure's token (403),
without a token and with an unknown one (401); nothing is written in any case."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from structures.siae_file import read_siae_file

pytestmark = pytest.mark.stack


@dataclass(frozen=True)
class Pair:
    siret: str  # the structure that is attacked
    activity_id: str
    contact_id: str
    token_id: str
    other_siret: str
    other_token: str  # a valid token, of another structure


@pytest.fixture(scope="module")
async def pair(loaded, subset_file: Path) -> Pair:
    records = [r for r in read_siae_file(subset_file).records
               if r.suggestions and r.contact_email]
    mine, other = records[0], records[1]
    siret = mine.structure.siret
    activities = (await loaded.http.get(f"/structures/{siret}/activities")).json()
    contacts = (await loaded.http.get(f"/structures/{siret}/contacts",
                                      headers=loaded.admin())).json()
    issued = (await loaded.http.post(f"/structures/{siret}/tokens",
                                     headers=loaded.admin())).json()
    return Pair(siret, activities[0]["id"], contacts[0]["id"], issued["id"],
                other.structure.siret, await loaded.issue(other.structure.siret))


ACTIVITY = {"sector": "maraichage", "area": {"kind": "radius", "radius_km": 20}}
STRUCTURE = {"siret": "80746931700018", "kind": "ACI", "name": "Nouvelle"}

# (method, path, body, admin only)
ROUTES: list[tuple[str, str, dict[str, Any] | None, bool]] = [
    ("POST", "/structures", STRUCTURE, True),
    ("PATCH", "/structures/{siret}", {"brand": "Piratée"}, False),
    ("POST", "/structures/{siret}/deactivate", None, False),
    ("POST", "/structures/{siret}/reactivate", None, True),
    ("POST", "/structures/{siret}/activities", ACTIVITY, False),
    ("PATCH", "/structures/{siret}/activities/{activity}", {"capacity_notes": "x"}, False),
    ("DELETE", "/structures/{siret}/activities/{activity}", None, False),
    ("POST", "/structures/{siret}/activities/{activity}/confirm", None, False),
    ("POST", "/structures/{siret}/activities/{activity}/reject", None, False),
    ("GET", "/structures/{siret}/contacts", None, False),
    ("POST", "/structures/{siret}/contacts", {"email": "intrus@example.org"}, False),
    ("PATCH", "/structures/{siret}/contacts/{contact}", {"min_score": 0}, False),
    ("POST", "/structures/{siret}/contacts/{contact}/unsubscribe", None, False),
    ("POST", "/structures/{siret}/tokens", None, True),
    ("GET", "/structures/{siret}/tokens", None, True),
    ("DELETE", "/structures/{siret}/tokens/{token}", None, True),
]
IDS = [f"{method} {path}" for method, path, _, _ in ROUTES]


async def snapshot(loaded, pair: Pair) -> tuple[Any, ...]:
    """Everything a write could have changed, and the outbox."""
    get = loaded.http.get
    return (
        (await get(f"/structures/{pair.siret}")).json(),
        (await get(f"/structures/{pair.siret}/activities")).json(),
        (await get(f"/structures/{pair.siret}/contacts", headers=loaded.admin())).json(),
        (await get(f"/structures/{pair.siret}/tokens", headers=loaded.admin())).json(),
        (await get("/structures/80746931700018")).status_code,
        await loaded.outbox_count(),
    )


async def call(loaded, pair: Pair, method: str, path: str, body: dict[str, Any] | None,
               headers: dict[str, str]) -> Any:
    url = path.format(siret=pair.siret, activity=pair.activity_id, contact=pair.contact_id,
                      token=pair.token_id)
    return await loaded.http.request(method, url, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "admin_only"), ROUTES, ids=IDS)
async def test_another_structures_token_is_refused(loaded, pair, method, path, body,
                                                   admin_only):
    before = await snapshot(loaded, pair)
    response = await call(loaded, pair, method, path, body, loaded.bearer(pair.other_token))
    assert response.status_code == 403, response.text
    error, = response.json()["detail"]
    assert error["field"] == "authorization"
    assert error["code"] == ("token.not_admin" if admin_only else "token.other_structure")
    assert await snapshot(loaded, pair) == before


@pytest.mark.parametrize(("method", "path", "body", "admin_only"), ROUTES, ids=IDS)
@pytest.mark.parametrize("token", [None, "cas_not-a-real-token"])
async def test_no_valid_token_is_401(loaded, pair, method, path, body, admin_only, token):
    before = await snapshot(loaded, pair)
    headers = loaded.bearer(token) if token else {}
    response = await call(loaded, pair, method, path, body, headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["detail"][0]["code"] == ("token.invalid" if token
                                                    else "token.missing")
    assert await snapshot(loaded, pair) == before


async def test_ids_of_another_structure_under_ones_own_path_are_not_found(loaded, pair):
    """A token holder cannot reach another structure's activity or contact by putting its
    id under its own SIRET."""
    before = await snapshot(loaded, pair)
    own = loaded.bearer(pair.other_token)
    for method, path, body in (
        ("PATCH", f"/structures/{pair.other_siret}/activities/{pair.activity_id}",
         {"capacity_notes": "x"}),
        ("POST", f"/structures/{pair.other_siret}/activities/{pair.activity_id}/reject", None),
        ("PATCH", f"/structures/{pair.other_siret}/contacts/{pair.contact_id}",
         {"min_score": 0}),
        ("POST", f"/structures/{pair.other_siret}/contacts/{pair.contact_id}/unsubscribe",
         None),
    ):
        response = await loaded.http.request(method, path, json=body, headers=own)
        assert response.status_code == 404, (path, response.text)
    assert await snapshot(loaded, pair) == before


async def test_a_structure_token_works_on_its_own_structure(loaded, pair):
    own = loaded.bearer(pair.other_token)
    response = await loaded.http.patch(f"/structures/{pair.other_siret}", headers=own,
                                       json={"insertion_headcount": 12})
    assert response.status_code == 200
    assert response.json()["insertion_headcount"] == 12
