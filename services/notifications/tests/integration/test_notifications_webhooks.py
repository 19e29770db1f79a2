"""Webhooks on the real stack, with a real HTTP receiver on 127.0.0.1: registration
(admin only), signed deliveries of public events only, a receiver down for a while
(everything arrives afterwards, in order, once) and one down for good (paused, with an
event, then resumed)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from chantiers_common.events.matching import LeadScored, LeadUpdated
from chantiers_common.events.structures import ContactSubscribed
from chantiers_testing.env import TEST_ADMIN_TOKEN

pytestmark = pytest.mark.stack

SECRET = "s3cr3t-shared-with-the-receiver"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver:
    """Another system's endpoint: keeps what it receives; can be stopped and restarted
    on the same port (down = connection refused, as when its host is down)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/chantiers"

    def start(self) -> Receiver:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append({"path": self.path, "headers": dict(self.headers),
                                 "body": body})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.received]


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    made = Receiver()
    yield made
    made.stop()


ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}


def bound_patterns(env) -> set[str]:  # type: ignore[no-untyped-def]
    """The routing keys the webhook queue is bound with (RabbitMQ management API)."""
    url = (f"http://127.0.0.1:{env.layout.rabbit_management_port}/api/queues/"
           f"{env.vhost}/notifications.webhooks/bindings")
    response = httpx.get(url, auth=("guest", "guest"), timeout=10)
    response.raise_for_status()
    return {b["routing_key"] for b in response.json() if b["source"] == "chantiers.events"}


async def subscribe(service, url: str, pattern: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await service.http.post("/subscriptions", headers=ADMIN, json={
        "url": url, "pattern": pattern, "secret": SECRET, "description": "CRM du réseau"})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_subscriptions_are_for_operators_and_checked(start_service, receiver):
    async with start_service() as service:
        http = service.http
        body = {"url": receiver.url, "pattern": "matching.lead.*", "secret": SECRET}
        assert (await http.post("/subscriptions", json=body)).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (await http.post("/subscriptions", json=body, headers=wrong)).status_code == 401
        for bad, message in (
            ({"pattern": "matching..lead"}, "not an AMQP topic pattern"),
            ({"pattern": "structures.contact.*"}, "never sent"),
            ({"url": "ftp://example.org/x"}, "not an http(s) URL"),
            ({"secret": "short"}, "at least 16"),
            # PostgreSQL text cannot hold NUL: refused, not a 500 at the insert.
            ({"description": "Bailleur\x00"}, "NUL character"),
            ({"secret": "s" * 20 + "\x00"}, "NUL character"),
        ):
            response = await http.post("/subscriptions", json=body | bad, headers=ADMIN)
            assert response.status_code == 422, bad
            assert message in response.text

        created = await subscribe(service, receiver.url, "matching.lead.*")
        assert "secret" not in created and SECRET not in json.dumps(created)
        assert created["status"] == "active"
        listed = (await http.get("/subscriptions", headers=ADMIN)).json()
        assert [s["id"] for s in listed] == [created["id"]]
        one = await http.get(f"/subscriptions/{created['id']}", headers=ADMIN)
        assert one.json()["pattern"] == "matching.lead.*"
        assert "matching.lead.*" in bound_patterns(service.env)
        deleted = await http.delete(f"/subscriptions/{created['id']}", headers=ADMIN)
        assert deleted.status_code == 204
        # No subscriber left for that pattern: its events no longer come this way.
        assert "matching.lead.*" not in bound_patterns(service.env)
        gone = await http.get(f"/subscriptions/{created['id']}", headers=ADMIN)
        assert gone.status_code == 404


async def test_matching_public_events_are_delivered_signed_and_contacts_never(
        start_service, receiver, new_contact, new_lead):
    receiver.start()
    async with start_service() as service:
        await subscribe(service, receiver.url, "#")
        other = Receiver().start()
        try:
            await subscribe(service, other.url, "notifications.alert.*")
            now = datetime.now(UTC)
            await service.publish_handled(ContactSubscribed(contact=new_contact("c-hook")))
            scored = await service.publish(LeadScored(lead=new_lead("lead-h", now, score=88)))
            updated = await service.publish(LeadUpdated(lead=new_lead(
                "lead-h", now, score=90, version=2)))
            await service.wait_emails(1)  # an alert: notifications.alert.sent follows

            await service.until(lambda: len(receiver.received) >= 3, 20, "3 deliveries")
            await service.until(lambda: len(other.received) >= 1, 20, "the alert.sent")
            await service.settle(1.0)
        finally:
            other.stop()

    types = [r["headers"]["X-Chantiers-Event"] for r in receiver.received]
    assert types == ["lead.scored", "lead.updated", "alert.sent"]
    assert [e["id"] for e in receiver.events()[:2]] == [str(scored.id), str(updated.id)]
    assert "contact.subscribed" not in json.dumps(receiver.events())  # personal data stays
    for delivery in receiver.received:
        expected = hmac.new(SECRET.encode(), delivery["body"], hashlib.sha256).hexdigest()
        assert delivery["headers"]["X-Chantiers-Signature"] == f"sha256={expected}"
        assert delivery["headers"]["Content-Type"] == "application/json"
        assert delivery["path"] == "/hooks/chantiers"
    ids = [r["headers"]["X-Chantiers-Delivery"] for r in receiver.received]
    assert len(set(ids)) == len(ids)
    assert [r["headers"]["X-Chantiers-Event"] for r in other.received] == ["alert.sent"]
    assert receiver.events()[0]["data"]["lead"]["id"] == "lead-h"


async def test_a_receiver_down_for_a_while_gets_everything_in_order_once(
        start_service, receiver, new_lead):
    async with start_service(webhook_max_failures=50) as service:
        sub = await subscribe(service, receiver.url, "matching.lead.*")
        now = datetime.now(UTC)
        sent = [await service.publish(LeadScored(lead=new_lead(f"lead-{n}", now)))
                for n in range(5)]

        async def failing() -> bool:
            found = (await service.http.get(f"/subscriptions/{sub['id']}",
                                            headers=ADMIN)).json()
            return found["consecutive_failures"] >= 3 and found["pending"] == 5

        await service.until(failing, 20, "three failed attempts, five waiting")
        receiver.start()
        await service.until(lambda: len(receiver.received) >= 5, 20, "the 5 deliveries")
        await service.settle(1.5)

        assert [e["id"] for e in receiver.events()] == [str(e.id) for e in sent]
        ids = [r["headers"]["X-Chantiers-Delivery"] for r in receiver.received]
        assert len(set(ids)) == 5
        state = (await service.http.get(f"/subscriptions/{sub['id']}", headers=ADMIN)).json()
        assert state | {"created_at": None} == state | {
            "status": "active", "consecutive_failures": 0, "pending": 0, "delivered": 5,
            "created_at": None, "last_error": None}


async def test_a_receiver_down_for_good_pauses_its_subscription_with_an_event(
        start_service, receiver, new_lead):
    async with start_service(webhook_max_failures=3) as service:
        sub = await subscribe(service, receiver.url, "matching.#")
        first = await service.publish(LeadScored(lead=new_lead("lead-p", datetime.now(UTC))))

        [paused] = await service.bus.wait_for("notifications.subscription.paused")
        assert paused["data"]["subscription_id"] == sub["id"]
        assert paused["data"]["failures"] == 3
        assert "ConnectError" in paused["data"]["last_error"]
        state = (await service.http.get(f"/subscriptions/{sub['id']}", headers=ADMIN)).json()
        assert state["status"] == "paused" and state["paused_at"] is not None

        # Paused: nothing is tried any more, but what happens is kept, in order.
        second = await service.publish(LeadScored(lead=new_lead("lead-q", datetime.now(UTC))))
        receiver.start()
        await service.settle(1.5)
        assert receiver.received == []

        resumed = await service.http.post(f"/subscriptions/{sub['id']}/resume", headers=ADMIN)
        assert resumed.json()["status"] == "active"
        await service.until(lambda: len(receiver.received) >= 2, 20, "the waiting deliveries")
        assert [e["id"] for e in receiver.events()] == [str(first.id), str(second.id)]
