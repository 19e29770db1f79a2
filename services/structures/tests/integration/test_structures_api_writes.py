"""Every write route on the real stack, with the events it publishes seen on the bus:
structures (register, update, move, deactivate), activities (declare, change, remove,
confirm or reject a suggestion), contacts (subscribe, preferences, unsubscribe kept),
tokens, and the audit trail of what the admin does."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from chantiers_testing.services import run_cli
from structures.siae_file import SiaeRecord, read_siae_file

pytestmark = pytest.mark.stack

NEW_SIRET = "80746931700018"  # valid checksum; not in the registry file


@pytest.fixture(scope="module")
def records(subset_file: Path) -> list[SiaeRecord]:
    return read_siae_file(subset_file).records


def with_suggestions(records: list[SiaeRecord], count: int, nth: int = 0) -> SiaeRecord:
    found = [r for r in records if len(r.suggestions) >= count and r.structure.location]
    return found[nth]


async def test_register_a_structure(loaded, bus):
    body = {"siret": NEW_SIRET, "kind": "aci", "name": "Jardins de la Combe",
            "post_code": "21000", "city": "Dijon", "insertion_headcount": 24,
            "permanent_headcount": 5, "commercial_revenue_eur": 40_000,
            "commercial_costs_eur": 250_000}
    response = await loaded.http.post("/structures", json=body, headers=loaded.admin())
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["kind"], created["commune_insee"], created["department"],
            created["region"]) == ("ACI", "21231", "21", "27")
    assert created["location"] is not None and created["headroom_eur"] == 35_000.0
    registered, = await bus.wait_count(1, "structure.registered")
    assert registered.routing_key == "structures.structure.registered"
    assert registered.data["structure"] == {k: v for k, v in created.items()
                                            if k != "description"}
    audit, = await bus.wait_count(1, "admin.action")
    assert audit.data | {"at": None} == {"token_id": "admin", "action": "structure.register",
                                         "structure_siret": NEW_SIRET, "target_id": None,
                                         "at": None}
    assert (await loaded.http.get(f"/structures/{NEW_SIRET}")).json()["name"] == body["name"]
    count = await loaded.outbox_count()
    again = await loaded.http.post("/structures", json=body, headers=loaded.admin())
    assert again.status_code == 409
    assert again.json()["detail"][0]["code"] == "structure.exists"
    assert await loaded.outbox_count() == count


async def test_update_and_move_a_structure(loaded, bus, records):
    record = with_suggestions(records, 1)
    siret = record.structure.siret
    token = await loaded.issue(siret)
    await bus.wait_count(1, "admin.action")  # the token's issue, audited
    bus.caught.clear()
    renamed = await loaded.http.patch(f"/structures/{siret}", headers=loaded.bearer(token),
                                      json={"brand": "Les Sentiers verts",
                                            "commercial_costs_eur": 100_000})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["brand"] == "Les Sentiers verts"
    updated, = await bus.wait_count(1, "structure.updated")
    assert updated.data["structure"]["brand"] == "Les Sentiers verts"
    assert not bus.of("activity.changed", "admin.action")  # no move; not the admin

    count = await loaded.outbox_count()
    same = await loaded.http.patch(f"/structures/{siret}", headers=loaded.bearer(token),
                                   json={"brand": "Les Sentiers verts"})
    assert same.status_code == 200 and await loaded.outbox_count() == count

    bus.caught.clear()
    moved = await loaded.http.patch(f"/structures/{siret}", headers=loaded.bearer(token),
                                    json={"address": "1 place de l'Hôtel de Ville",
                                          "post_code": "71100", "city": "Chalon-sur-Saône"})
    assert moved.status_code == 200, moved.text
    place = moved.json()
    assert (place["department"], place["commune_insee"]) == ("71", "71076")
    assert place["location"] != record.structure.location.model_dump()
    await bus.wait_count(1, "structure.updated")
    changed = await bus.wait_count(len(record.suggestions), "activity.changed")
    for event in changed:
        activity = event.data["activity"]
        assert activity["structure_location"] == place["location"]
        assert activity["structure_department"] == "71"


async def test_deactivate_and_reactivate(loaded, bus, records):
    siret = records[-1].structure.siret
    token = await loaded.issue(siret)
    bus.caught.clear()
    response = await loaded.http.post(f"/structures/{siret}/deactivate",
                                      headers=loaded.bearer(token))
    assert response.status_code == 200 and response.json()["active"] is False
    deactivated, = await bus.wait_count(1, "structure.deactivated")
    assert deactivated.data["structure"]["active"] is False
    active = (await loaded.http.get("/structures", params={"limit": 500})).json()
    assert siret not in {i["siret"] for i in active["items"]}
    inactive = (await loaded.http.get("/structures", params={"active": "false"})).json()
    assert siret in {i["siret"] for i in inactive["items"]}
    count = await loaded.outbox_count()
    twice = await loaded.http.post(f"/structures/{siret}/deactivate",
                                   headers=loaded.bearer(token))
    assert twice.status_code == 200 and await loaded.outbox_count() == count
    refused = await loaded.http.post(f"/structures/{siret}/reactivate",
                                     headers=loaded.bearer(token))
    assert refused.status_code == 403
    back = await loaded.http.post(f"/structures/{siret}/reactivate", headers=loaded.admin())
    assert back.status_code == 200 and back.json()["active"] is True
    updated, = await bus.wait_count(1, "structure.updated")
    assert updated.data["structure"]["active"] is True


async def test_suggested_activities_are_confirmed_or_rejected(loaded, bus, records):
    record = with_suggestions(records, 2, nth=1)
    siret = record.structure.siret
    token = await loaded.issue(siret)
    auth = loaded.bearer(token)
    listed = (await loaded.http.get(f"/structures/{siret}/activities")).json()
    keep, drop = listed[0], listed[1]
    bus.caught.clear()

    confirmed = await loaded.http.post(f"/structures/{siret}/activities/{keep['id']}/confirm",
                                       headers=auth)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    changed, = await bus.wait_count(1, "activity.changed")
    assert changed.data["activity"]["status"] == "confirmed"
    assert changed.data["activity"]["confidence"] is None

    rejected = await loaded.http.post(f"/structures/{siret}/activities/{drop['id']}/reject",
                                      headers=auth)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    removed, = await bus.wait_count(1, "activity.removed")
    assert removed.data["activity"]["id"] == drop["id"]

    no = await loaded.http.post(f"/structures/{siret}/activities/{keep['id']}/reject",
                                headers=auth)
    assert no.status_code == 409 and no.json()["detail"][0]["code"] == "activity.confirmed"
    statuses = {a["id"]: a["status"] for a in
                (await loaded.http.get(f"/structures/{siret}/activities")).json()}
    assert (statuses[keep["id"]], statuses[drop["id"]]) == ("confirmed", "rejected")
    only = (await loaded.http.get(f"/structures/{siret}/activities",
                                  params={"status": "rejected"})).json()
    assert [a["id"] for a in only] == [drop["id"]]

    bus.caught.clear()
    again = await loaded.http.post(f"/structures/{siret}/activities/{drop['id']}/confirm",
                                   headers=auth)
    assert again.status_code == 200
    await bus.wait_count(1, "activity.added")  # back for matching


async def test_declare_change_and_remove_an_activity(loaded, bus, records):
    siret = records[0].structure.siret
    token = await loaded.issue(siret)
    auth = loaded.bearer(token)
    bus.caught.clear()
    body = {"sector": "maraichage", "service_types": ["goods"],
            "area": {"kind": "departments", "codes": ["21", "71"]},
            "capacity_notes": "40 paniers par semaine"}
    created = await loaded.http.post(f"/structures/{siret}/activities", json=body,
                                     headers=auth)
    assert created.status_code == 201, created.text
    activity = created.json()
    assert activity["status"] == "confirmed" and activity["area"]["departments"] == ["21", "71"]
    added, = await bus.wait_count(1, "activity.added")
    assert added.data["activity"]["sector"] == "maraichage"
    assert added.data["activity"]["structure_location"] == (
        records[0].structure.location.model_dump() if records[0].structure.location else None)

    count = await loaded.outbox_count()
    duplicate = await loaded.http.post(f"/structures/{siret}/activities", json=body,
                                       headers=auth)
    assert duplicate.status_code == 409 and await loaded.outbox_count() == count

    changed = await loaded.http.patch(
        f"/structures/{siret}/activities/{activity['id']}", headers=auth,
        json={"area": {"kind": "radius", "radius_km": 50}, "service_types": ["service"]})
    assert changed.status_code == 200, changed.text
    event, = await bus.wait_count(1, "activity.changed")
    assert event.data["activity"]["area"]["radius_km"] == 50
    assert event.data["activity"]["service_types"] == ["service"]

    removed = await loaded.http.delete(f"/structures/{siret}/activities/{activity['id']}",
                                       headers=auth)
    assert removed.status_code == 204
    await bus.wait_count(1, "activity.removed")
    gone = await loaded.http.patch(f"/structures/{siret}/activities/{activity['id']}",
                                   headers=auth, json={"capacity_notes": "x"})
    assert gone.status_code == 409
    missing = await loaded.http.delete(f"/structures/{siret}/activities/nope", headers=auth)
    assert missing.status_code == 404


async def test_contacts_subscribe_change_and_unsubscribe_kept(loaded, bus, records):
    siret = records[1].structure.siret
    token = await loaded.issue(siret)
    auth = loaded.bearer(token)
    bus.caught.clear()
    created = await loaded.http.post(f"/structures/{siret}/contacts", headers=auth, json={
        "email": "Claire.Martin@Example.org", "name": "Claire Martin",
        "role": "chargée de développement", "alert_mode": "immediate", "min_score": 40,
        "alert_score": 70, "sectors": ["maraichage"], "lead_kinds": ["tender"]})
    assert created.status_code == 201, created.text
    contact = created.json()
    assert contact["email"] == "Claire.Martin@example.org" and contact["consent_at"]
    subscribed, = await bus.wait_count(1, "contact.subscribed")
    assert subscribed.data["contact"] == contact

    count = await loaded.outbox_count()
    twice = await loaded.http.post(f"/structures/{siret}/contacts", headers=auth,
                                   json={"email": "claire.martin@example.org"})
    assert twice.status_code == 409 and await loaded.outbox_count() == count

    bus.caught.clear()
    changed = await loaded.http.patch(f"/structures/{siret}/contacts/{contact['id']}",
                                      headers=auth, json={"alert_mode": "weekly",
                                                          "min_score": 70, "sectors": []})
    assert changed.status_code == 200
    event, = await bus.wait_count(1, "contact.subscribed")
    assert (event.data["contact"]["alert_mode"], event.data["contact"]["min_score"],
            event.data["contact"]["sectors"]) == ("weekly", 70, [])

    bus.caught.clear()
    gone = await loaded.http.post(
        f"/structures/{siret}/contacts/{contact['id']}/unsubscribe", headers=auth)
    assert gone.status_code == 200 and gone.json()["unsubscribed_at"]
    unsubscribed, = await bus.wait_count(1, "contact.unsubscribed")
    assert unsubscribed.routing_key == "structures.contact.unsubscribed"
    assert unsubscribed.data["contact"]["unsubscribed_at"] == gone.json()["unsubscribed_at"]

    count = await loaded.outbox_count()
    again = await loaded.http.post(
        f"/structures/{siret}/contacts/{contact['id']}/unsubscribe", headers=auth)
    assert again.json()["unsubscribed_at"] == gone.json()["unsubscribed_at"]
    assert await loaded.outbox_count() == count

    bus.caught.clear()
    later = await loaded.http.patch(f"/structures/{siret}/contacts/{contact['id']}",
                                    headers=auth, json={"name": "Claire Martin-Roy"})
    assert later.status_code == 200
    event, = await bus.wait_count(1, "contact.subscribed")
    assert event.data["contact"]["unsubscribed_at"] == gone.json()["unsubscribed_at"]
    kept = (await loaded.http.get(f"/structures/{siret}/contacts", headers=auth)).json()
    assert {c["id"]: c["unsubscribed_at"] for c in kept}[contact["id"]] == \
        gone.json()["unsubscribed_at"]
    back = await loaded.http.post(f"/structures/{siret}/contacts", headers=auth,
                                  json={"email": "claire.martin@example.org"})
    assert back.status_code == 409
    assert back.json()["detail"][0]["code"] == "contact.unsubscribed"


async def test_tokens_are_issued_once_listed_without_secret_and_revoked(loaded, bus, records):
    siret = records[-2].structure.siret
    issued = await loaded.http.post(f"/structures/{siret}/tokens", headers=loaded.admin(),
                                    json={"label": "directrice"})
    assert issued.status_code == 201
    token, token_id = issued.json()["token"], issued.json()["id"]
    audit, = await bus.wait_count(1, "admin.action")
    assert (audit.data["action"], audit.data["target_id"]) == ("token.issue", token_id)
    assert token not in str(audit.body)
    # Announced to matching (which protects the leads with it): its hash, never the token.
    announced, = await bus.wait_count(1, "token.issued")
    assert announced.routing_key == "structures.token.issued"
    assert announced.data | {"issued_at": None} == {
        "token_id": token_id, "siret": siret, "issued_at": None,
        "token_sha256": hashlib.sha256(token.encode()).hexdigest()}
    assert token not in str(announced.body)
    listed = (await loaded.http.get(f"/structures/{siret}/tokens",
                                    headers=loaded.admin())).json()
    mine, = [t for t in listed if t["id"] == token_id]
    assert (mine["label"], mine["created_by"], mine["revoked_at"]) == ("directrice", "admin",
                                                                      None)
    assert token not in str(listed) and "hash" not in mine
    ok = await loaded.http.post(f"/structures/{siret}/deactivate", headers=loaded.bearer(token))
    assert ok.status_code == 200
    revoked = await loaded.http.delete(f"/structures/{siret}/tokens/{token_id}",
                                       headers=loaded.admin())
    assert revoked.status_code == 204
    refused = await loaded.http.post(f"/structures/{siret}/deactivate",
                                     headers=loaded.bearer(token))
    assert refused.status_code == 401
    assert "invalid_token" in refused.headers["www-authenticate"]
    again = await loaded.http.delete(f"/structures/{siret}/tokens/{token_id}",
                                     headers=loaded.admin())
    assert again.status_code == 204
    # One revocation event, however many times it is revoked.
    ended, = await bus.wait_count(1, "token.revoked")
    assert ended.routing_key == "structures.token.revoked"
    assert ended.data["token_id"] == token_id and ended.data["siret"] == siret
    assert ended.data["revoked_at"] is not None


async def test_a_token_from_the_command_line(loaded, records):
    siret = records[3].structure.siret
    result = await asyncio.to_thread(run_cli, loaded.env, "structures", "token", siret,
                                     "--label", "CLI")
    token = result.stdout.strip()
    assert token.startswith("cas_")
    contacts = await loaded.http.get(f"/structures/{siret}/contacts",
                                     headers=loaded.bearer(token))
    assert contacts.status_code == 200
    unknown = await asyncio.to_thread(run_cli, loaded.env, "structures", "token",
                                      NEW_SIRET[:-1] + "9", check=False)
    assert unknown.returncode != 0 and "siret" in unknown.stderr.lower()
