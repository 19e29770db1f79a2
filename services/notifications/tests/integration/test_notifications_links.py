"""The links of a real email, followed: one-click answers (recorded once, on the bus) and
unsubscribing (at once, as a mail client does it); tampered and expired links record
nothing and say so in French."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from chantiers_common.events.matching import LeadScored
from chantiers_common.events.structures import ContactSubscribed
from chantiers_testing.services import run_cli
from notifications.links import LinkSigner

pytestmark = pytest.mark.stack


def answer_links(message) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The answer buttons of an email, label → path (as a person would click them)."""
    html = message.get_body(("html",)).get_content()
    found = re.findall(r'<a href="(http[^"]+/feedback/[^"]+)"[^>]*>([^<]+)</a>', html)
    return {label: urlsplit(url).path for url, label in found}


def unsubscribe_path(message) -> str:  # type: ignore[no-untyped-def]
    url = re.match(r"<(http[^>]+)>", message["List-Unsubscribe"]).group(1)  # type: ignore[union-attr]
    return urlsplit(url).path


async def alerted(service, new_contact, new_lead, contact_id: str):  # type: ignore[no-untyped-def]
    await service.publish_handled(ContactSubscribed(contact=new_contact(contact_id)))
    count = len(service.env.emails())
    await service.publish(LeadScored(lead=new_lead(
        f"lead-{contact_id}", datetime.now(UTC), score=92,
        title="Fauchage des chemins ruraux (MAPA)")))
    return (await service.wait_emails(count + 1))[-1]


async def test_one_click_answers_are_recorded_once_and_bad_links_record_nothing(
        start_service, new_contact, new_lead):
    async with start_service() as service:
        message = await alerted(service, new_contact, new_lead, "c-answer")
        links = answer_links(message)
        assert list(links) == ["Intéressé", "Pas intéressé", "Déjà en contact", "Gagné",
                               "Perdu"]

        page = await service.http.get(links["Intéressé"])
        assert page.status_code == 200
        assert "Merci, c’est noté" in page.text
        assert "«&nbsp;Intéressé&nbsp;»" in page.text
        assert "Fauchage des chemins ruraux (MAPA)" in page.text
        [recorded] = await service.bus.wait_for("notifications.feedback.recorded")
        assert recorded["data"] | {"recorded_at": None} == {
            "lead_id": "lead-c-answer", "structure_siret": "41234567800017",
            "contact_id": "c-answer", "outcome": "interested", "recorded_at": None}

        # Opened again (or by a mail scanner): the same answer counts once.
        assert (await service.http.get(links["Intéressé"])).status_code == 200
        # A later answer replaces it, and is published.
        assert "«&nbsp;Gagné&nbsp;»" in (await service.http.get(links["Gagné"])).text
        answers = await service.bus.wait_for("notifications.feedback.recorded", 2)
        assert [a["data"]["outcome"] for a in answers] == ["interested", "won"]

        # A token cut or changed by a mail client.
        token = links["Perdu"].rsplit("/", 1)[1]
        middle = len(token) // 2
        tampered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]
        page = await service.http.get(f"/feedback/{tampered}")
        assert page.status_code == 400
        assert "Ce lien n’est pas valide" in page.text
        assert "Rien n’a été enregistré" in page.text

        # A link from an email half a year old.
        secret = service.ctx.settings.link_secret.get_secret_value()
        old = LinkSigner(secret, clock=lambda: time.time() - 200 * 86400)
        page = await service.http.get(
            f"/feedback/{old.feedback_token('c-answer', 'lead-c-answer', 'lost')}")
        assert page.status_code == 410
        assert "Ce lien a expiré" in page.text and "Rien n’a été enregistré" in page.text

        # The unsubscribe link used as an answer.
        page = await service.http.get(f"/feedback/{unsubscribe_path(message).rsplit('/')[-1]}")
        assert page.status_code == 400 and "Ce lien ne sert pas à cela" in page.text

        await service.settle(1.0)
        assert len(service.bus.of("notifications.feedback.recorded")) == 2
        [stored] = await service.sql("SELECT outcome FROM feedback")
        assert stored.outcome == "won"


async def test_one_click_unsubscribe_takes_effect_at_once_and_is_published(
        start_service, new_contact, new_lead):
    async with start_service() as service:
        message = await alerted(service, new_contact, new_lead, "c-leaving")
        path = unsubscribe_path(message)

        # Opening the link (a person, or a mail scanner) only asks for confirmation.
        page = await service.http.get(path)
        assert page.status_code == 200 and "Me désabonner" in page.text
        [row] = await service.sql("SELECT unsubscribed_at FROM contacts")
        assert row.unsubscribed_at is None

        # A tampered POST changes nothing.
        bad = await service.http.post(path[:-3] + "xyz",
                                      data={"List-Unsubscribe": "One-Click"})
        assert bad.status_code == 400 and "Rien n’a été enregistré" in bad.text

        # RFC 8058: the mail client POSTs this exact form body to the header's URL.
        done = await service.http.post(
            path, content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert done.status_code == 200 and "Vous êtes désabonné" in done.text
        [event] = await service.bus.wait_for("notifications.contact.unsubscribed")
        assert event["producer"] == "notifications"
        assert event["data"]["contact"]["id"] == "c-leaving"
        assert event["data"]["contact"]["unsubscribed_at"] is not None

        # Nothing more is sent: no alert for a strong lead, no digest, and a late copy
        # of the old subscription (structures replaying it) does not bring them back.
        await service.publish_handled(ContactSubscribed(contact=new_contact("c-leaving")))
        last = await service.publish(LeadScored(lead=new_lead(
            "lead-after", datetime.now(UTC), score=97)))
        await service.consumed(last.id)
        result = run_cli(service.env, "notify", "digests", "--now")
        assert "0 digest(s) queued" in result.stderr
        await service.settle()
        assert len(service.env.emails()) == 1
        assert (await service.http.post(path)).status_code == 200  # twice is fine
        await service.settle(0.5)
        assert len(service.bus.of("notifications.contact.unsubscribed")) == 1


async def test_hammering_a_link_gets_429_while_other_clients_still_get_through(
        start_service, new_contact, new_lead):
    # One request every 10 s after a burst of 5, and 3 bad links: nothing refills during
    # the test, whatever the machine's speed.
    async with start_service(link_rate_per_minute=6, link_burst=5,
                             link_failure_burst=3, link_failures_per_hour=20) as service:
        message = await alerted(service, new_contact, new_lead, "c-hammer")
        links = answer_links(message)

        statuses = [(await service.http.get(links["Intéressé"])).status_code
                    for _ in range(8)]
        assert statuses == [200] * 5 + [429] * 3
        refused = await service.http.get(links["Intéressé"])
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 10
        assert refused.headers["content-type"].startswith("text/html")
        assert "Trop de demandes" in refused.text
        assert "Rien n’a été enregistré" in refused.text

        # A colleague elsewhere clicking their own button is not concerned.
        async with service.http_from("203.0.113.7") as colleague:
            page = await colleague.get(links["Gagné"])
        assert page.status_code == 200 and "«&nbsp;Gagné&nbsp;»" in page.text

        # Someone trying forged tokens is stopped after 3, before their token is even
        # looked at: a good link from the same address gets no answer either.
        token = links["Perdu"].rsplit("/", 1)[1]
        async with service.http_from("198.51.100.23") as guesser:
            for n in range(3):
                forged = await guesser.get(f"/feedback/{token[:-4]}{n:04d}")
                assert forged.status_code == 400
            blocked = await guesser.get(links["Perdu"])
            assert blocked.status_code == 429
            assert int(blocked.headers["Retry-After"]) == 180
            assert "Trop de demandes" in blocked.text
            assert (await guesser.post(unsubscribe_path(message))).status_code == 429

        answers = await service.bus.wait_for("notifications.feedback.recorded", 2)
        assert [a["data"]["outcome"] for a in answers] == ["interested", "won"]
        await service.settle(1.0)
        assert len(service.bus.of("notifications.feedback.recorded")) == 2
        [stored] = await service.sql("SELECT outcome FROM feedback")
        assert stored.outcome == "won"
        [row] = await service.sql("SELECT unsubscribed_at FROM contacts")
        assert row.unsubscribed_at is None
