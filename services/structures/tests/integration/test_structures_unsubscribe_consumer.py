"""An unsubscription made through notifications' one-click link is recorded by
structures (kept, with its date), not published again, and survives later changes."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aio_pika
import pytest

from chantiers_common.events import Envelope
from chantiers_common.events.structures import Contact, ContactUnsubscribed
from structures.siae_file import read_siae_file

pytestmark = pytest.mark.stack

CLICKED = datetime(2026, 2, 3, 10, 30, tzinfo=UTC)


async def from_notifications(env, contact: Contact, event_id: uuid.UUID | None = None,
                             ) -> None:
    """Publish what notifications publishes when the link is clicked."""
    envelope = Envelope.wrap(ContactUnsubscribed(contact=contact), producer="notifications",
                             event_id=event_id)
    connection = await aio_pika.connect(env.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("chantiers.events")
        await exchange.publish(
            aio_pika.Message(envelope.model_dump_json().encode(), message_id=str(envelope.id),
                             type=envelope.type, headers={"x-schema-version": 1},
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key="notifications.contact.unsubscribed")


async def contacts_of(loaded, siret: str) -> dict[str, dict]:
    response = await loaded.http.get(f"/structures/{siret}/contacts", headers=loaded.admin())
    return {c["id"]: c for c in response.json()}


async def wait_unsubscribed(loaded, siret: str, contact_id: str) -> dict:
    deadline = time.monotonic() + 15
    while not (contact := (await contacts_of(loaded, siret))[contact_id])["unsubscribed_at"]:
        assert time.monotonic() < deadline, "the unsubscription was not recorded"
        await asyncio.sleep(0.1)
    return contact


@pytest.fixture(scope="module")
def sirets(subset_file: Path) -> list[str]:
    return [r.structure.siret for r in read_siae_file(subset_file).records if r.contact_email]


async def test_the_link_click_is_recorded_not_echoed_and_kept(loaded, bus, sirets):
    siret = sirets[0]
    contact = Contact.model_validate(next(iter((await contacts_of(loaded, siret)).values())))
    count = await loaded.outbox_count()
    event_id = uuid.uuid4()
    await from_notifications(loaded.env, contact.model_copy(
        update={"unsubscribed_at": CLICKED}), event_id)
    recorded = await wait_unsubscribed(loaded, siret, contact.id)
    assert datetime.fromisoformat(recorded["unsubscribed_at"]) == CLICKED
    assert await loaded.outbox_count() == count  # not published again by structures
    await asyncio.sleep(0.3)
    assert bus.caught == []

    # A later click (another event), or the same event again: the first date stays.
    await from_notifications(loaded.env, contact.model_copy(
        update={"unsubscribed_at": CLICKED + timedelta(days=1)}))
    await from_notifications(loaded.env, contact.model_copy(
        update={"unsubscribed_at": CLICKED + timedelta(days=2)}), event_id)
    await asyncio.sleep(1.0)
    kept = (await contacts_of(loaded, siret))[contact.id]
    assert datetime.fromisoformat(kept["unsubscribed_at"]) == CLICKED

    # Staff change the preferences later: the event carries the unsubscription.
    changed = await loaded.http.patch(f"/structures/{siret}/contacts/{contact.id}",
                                      headers=loaded.admin(), json={"min_score": 80})
    assert changed.status_code == 200
    subscribed, = await bus.wait_count(1, "contact.subscribed")
    assert datetime.fromisoformat(subscribed.data["contact"]["unsubscribed_at"]) == CLICKED
    assert subscribed.data["contact"]["min_score"] == 80


async def test_without_a_date_the_event_time_is_used(loaded, sirets):
    siret = sirets[1]
    contact = Contact.model_validate(next(iter((await contacts_of(loaded, siret)).values())))
    before = datetime.now(UTC)
    await from_notifications(loaded.env, contact)  # unsubscribed_at left empty
    recorded = await wait_unsubscribed(loaded, siret, contact.id)
    assert before <= datetime.fromisoformat(recorded["unsubscribed_at"]) <= datetime.now(UTC)


async def test_an_unknown_contact_is_ignored_not_dead_lettered(loaded, sirets):
    stranger = Contact(id=str(uuid.uuid4()), structure_siret=sirets[2],
                       email="inconnu@example.org", unsubscribed_at=CLICKED)
    await from_notifications(loaded.env, stranger)
    known = Contact.model_validate(next(iter((await contacts_of(loaded, sirets[3])).values())))
    await from_notifications(loaded.env, known)  # handled after the stranger
    await wait_unsubscribed(loaded, sirets[3], known.id)
    connection = await aio_pika.connect(loaded.env.amqp_url)
    async with connection:
        channel = await connection.channel()
        dlq = await channel.declare_queue("structures.dlq", passive=True)
        assert await dlq.get(no_ack=True, fail=False) is None
    assert stranger.id not in await contacts_of(loaded, sirets[2])
