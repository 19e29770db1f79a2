"""Who reads which leads, on the real stack: tokens issued and revoked through the
structures service (a real process, in the same vhost), learnt by matching from
``token.issued`` / ``token.revoked`` only. A structure token reads its own leads and
nothing else; no token, a wrong one or a revoked one is a 401; the admin token reads
everything. The events themselves: redelivered, or the revocation first, change nothing."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from chantiers_common import db
from chantiers_common.events import Envelope
from chantiers_common.events.prospects import TenderPublished
from chantiers_common.events.structures import TokenIssued, TokenRevoked
from chantiers_testing.env import IsolatedEnv
from chantiers_testing.services import ServiceProcess

from .conftest import GREEN, Api, LeadTap, Make, Producer, bearer

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def structures(module_env: IsolatedEnv, matching: ServiceProcess) -> Iterator[ServiceProcess]:
    proc = ServiceProcess(module_env, "structures").start()
    try:
        yield proc
    finally:
        proc.stop()


class Registry:
    """The structures service's API, as an operator calls it (admin token)."""

    def __init__(self, url: str, admin_token: str) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=10, headers=bearer(admin_token))

    async def structure(self, siret: str) -> None:
        """A structure near Dijon with one activity in green spaces over Côte-d'Or."""
        created = await self.http.post("/structures", json={
            "siret": siret, "kind": "ACI", "name": f"Jardins {siret}", "post_code": "21000",
            "city": "Dijon"})
        assert created.status_code == 201, created.text
        activity = await self.http.post(f"/structures/{siret}/activities", json={
            "sector": GREEN, "area": {"kind": "departments", "codes": ["21"]}})
        assert activity.status_code == 201, activity.text

    async def issue(self, siret: str) -> tuple[str, str]:
        """A new token for one structure: (its id, the token)."""
        issued = await self.http.post(f"/structures/{siret}/tokens", json={"label": "test"})
        assert issued.status_code == 201, issued.text
        return issued.json()["id"], issued.json()["token"]

    async def revoke(self, siret: str, token_id: str) -> None:
        revoked = await self.http.delete(f"/structures/{siret}/tokens/{token_id}")
        assert revoked.status_code == 204, revoked.text


@pytest.fixture
async def registry(module_env: IsolatedEnv, structures: ServiceProcess
                   ) -> AsyncIterator[Registry]:
    registry = Registry(structures.url, module_env.admin_token)
    async with registry.http:
        yield registry


def _luhn_digit(body: str) -> str:
    """The digit that makes ``body`` + it pass the Luhn check."""
    total = 0
    for i, char in enumerate(reversed(body)):
        doubled = int(char) * 2 if i % 2 == 0 else int(char)
        total += doubled - 9 if doubled > 9 else doubled
    return str((10 - total % 10) % 10)


def registrable_siret() -> str:
    """A SIRET structures accepts: its SIREN and the whole SIRET both pass the Luhn check."""
    siren = str(secrets.randbelow(9 * 10**7) + 10**7)
    siren += _luhn_digit(siren)
    siret = siren + f"{secrets.randbelow(10**4):04d}"
    return siret + _luhn_digit(siret)


async def until(check: Callable[[], Awaitable[Any]], what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := await check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)
    return found


async def status_becomes(api: Api, token: str, status: int, path: str = "/evidence") -> None:
    """Matching learns tokens from events: wait until it answers ``status`` to this one."""
    async def reached() -> bool:
        return (await api.get(path, headers=bearer(token))).status_code == status
    await until(reached, f"{status} for the token on {path}")


def codes(response: httpx.Response) -> list[str]:
    return [item["code"] for item in response.json()["detail"]]


async def test_a_structure_token_reads_its_own_leads_only(
        api: Api, registry: Registry, producer: Producer, tap: LeadTap, make: Make) -> None:
    mine, other = registrable_siret(), registrable_siret()
    before = await api.stats()
    for siret in (mine, other):
        await registry.structure(siret)
    await api.settle(structures=before["structures"] + 2,
                     activities=before["activities"] + 2)
    tender = make.tender(lat=47.33, lon=5.03, department="21")
    await producer.publish(TenderPublished(tender=tender))
    events = await tap.wait(lambda: (len(found := tap.about(tender.idweb)) == 2) and found,
                            what="a lead for each structure")
    lead_of = {e.data.lead.structure_siret: e.data.lead.id for e in events}
    assert set(lead_of) == {mine, other}

    token_id, token = await registry.issue(mine)
    await status_becomes(api, token, 200)
    own = bearer(token)

    # Listing: its own leads without asking, or naming its SIRET; another SIRET is a 403.
    listed = await api.get("/leads", headers=own, limit=500)
    assert listed.status_code == 200, listed.text
    assert {lead["structure_siret"] for lead in listed.json()["items"]} == {mine}
    assert [lead["id"] for lead in listed.json()["items"]] == [lead_of[mine]]
    named = await api.get("/leads", headers=own, siret=mine)
    assert named.json()["items"] == listed.json()["items"]
    theirs = await api.get("/leads", headers=own, siret=other)
    assert theirs.status_code == 403
    assert codes(theirs) == ["token.other_structure"]
    assert other in theirs.json()["detail"][0]["message"]

    # One lead: its own; another structure's is not found, like a lead that never was.
    assert (await api.json(f"/leads/{lead_of[mine]}", headers=own))["lead"]["id"] == (
        lead_of[mine])
    hidden = await api.get(f"/leads/{lead_of[other]}", headers=own)
    absent = await api.get(f"/leads/{uuid.uuid4()}", headers=own)
    assert hidden.status_code == absent.status_code == 404
    assert codes(hidden) == codes(absent) == ["lead.not_found"]
    assert "structure_siret" not in hidden.text and other not in hidden.text

    # Evidence (counts per segment, nothing personal): any valid token.
    assert (await api.get("/evidence", headers=own)).status_code == 200

    # The admin reads every structure's leads, and any lead.
    everything = await api.json("/leads", limit=500)
    assert {mine, other} <= {lead["structure_siret"] for lead in everything["items"]}
    assert (await api.json(f"/leads/{lead_of[other]}"))["lead"]["structure_siret"] == other
    assert (await api.json("/leads", siret=other))["items"][0]["id"] == lead_of[other]

    # Revoked in structures: refused by matching as soon as the event arrives.
    await registry.revoke(mine, token_id)
    await status_becomes(api, token, 401, path="/leads")
    refused = await api.get(f"/leads/{lead_of[mine]}", headers=own)
    assert refused.status_code == 401 and codes(refused) == ["token.invalid"]
    assert "invalid_token" in refused.headers["www-authenticate"]
    # The other structure's tokens are untouched by that revocation.
    _, other_token = await registry.issue(other)
    await status_becomes(api, other_token, 200, path="/leads")


@pytest.mark.parametrize("path", ["/leads", "/leads/some-lead", "/evidence"])
async def test_no_token_or_a_wrong_one_is_a_401_in_french(api: Api, path: str) -> None:
    missing = await api.get(path, headers={})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert codes(missing) == ["token.missing"]
    assert "jeton manquant" in missing.json()["detail"][0]["message"]
    for wrong in ("cas_" + secrets.token_urlsafe(32), "not-a-token",
                  api.admin["Authorization"].removeprefix("Bearer ") + "x"):
        response = await api.get(path, headers=bearer(wrong))
        assert response.status_code == 401, wrong
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
        assert codes(response) == ["token.invalid"]
        assert response.json()["detail"][0]["message"] == "jeton inconnu ou révoqué"
    basic = await api.get(path, headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert basic.status_code == 401


async def test_the_openapi_document_says_how_to_authenticate(api: Api) -> None:
    document = await api.json("/openapi.json", headers={})
    assert "HTTPBearer" in document["components"]["securitySchemes"]
    for path in ("/leads", "/leads/{lead_id}", "/evidence"):
        operation = document["paths"][path]["get"]
        assert operation["security"] == [{"HTTPBearer": []}], path
        assert "401" in operation["responses"], path
    assert "403" in document["paths"]["/leads"]["get"]["responses"]
    assert "404" in document["paths"]["/leads/{lead_id}"]["get"]["responses"]


async def access_row(env: IsolatedEnv, token_id: str) -> asyncpg.Record | None:
    settings = env.settings()
    conn = await asyncpg.connect(db.asyncpg_dsn(settings, settings.database_name("matching")))
    try:
        return await conn.fetchrow("SELECT * FROM access_tokens WHERE token_id = $1",
                                   token_id)
    finally:
        await conn.close()


async def test_token_events_are_idempotent_and_a_revocation_is_final(
        module_env: IsolatedEnv, api: Api, producer: Producer, make: Make) -> None:
    siret, now = make.siret(), datetime.now(UTC)

    def issued(token: str, token_id: str) -> TokenIssued:
        return TokenIssued(token_id=token_id, siret=siret, issued_at=now,
                           token_sha256=hashlib.sha256(token.encode()).hexdigest())

    # Issued, and the same event delivered twice: accepted, one row, the hash only.
    token, token_id = "cas_" + secrets.token_urlsafe(32), str(uuid.uuid4())
    envelope = Envelope.wrap(issued(token, token_id))
    for _ in range(2):
        await producer.publish(envelope.data, event_id=envelope.id)
    await status_becomes(api, token, 200, path="/leads")
    row = await access_row(module_env, token_id)
    assert row is not None and row["siret"] == siret and row["revoked_at"] is None
    assert token not in str(dict(row))

    # Revoked before its issue is seen (a redelivery after the revocation): the late
    # issue fills in the hash and the token stays refused.
    late, late_id = "cas_" + secrets.token_urlsafe(32), str(uuid.uuid4())
    await producer.publish(TokenRevoked(token_id=late_id, siret=siret, revoked_at=now))
    await until(lambda: access_row(module_env, late_id), "the revocation")
    await producer.publish(issued(late, late_id))

    async def filled() -> bool:
        found = await access_row(module_env, late_id)
        return found is not None and found["token_sha256"] is not None
    await until(filled, "the late issue")
    assert (await access_row(module_env, late_id))["revoked_at"] is not None
    refused = await api.get("/leads", headers=bearer(late))
    assert refused.status_code == 401 and codes(refused) == ["token.invalid"]

    # Revoked after: refused; revoked again (redelivered): still refused.
    for _ in range(2):
        await producer.publish(TokenRevoked(token_id=token_id, siret=siret, revoked_at=now))
    await status_becomes(api, token, 401, path="/leads")
    stats = await api.stats()
    assert stats["access_tokens_revoked"] >= 2
