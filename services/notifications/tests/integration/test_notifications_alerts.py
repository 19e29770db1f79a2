"""Immediate alerts on the real stack: contact and lead events in, emails out of the SMTP
sink, at most one per (contact, lead), a daily cap whose overflow goes to the digest."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from chantiers_common.events.matching import LeadScored, LeadUpdated
from chantiers_common.events.structures import ContactSubscribed
from chantiers_testing.services import run_cli

pytestmark = pytest.mark.stack


async def test_a_strong_lead_is_alerted_once_even_if_redelivered_or_updated(
        start_service, new_contact, new_lead):
    async with start_service() as service:
        await service.publish_handled(ContactSubscribed(contact=new_contact("c-claire")))
        now = datetime.now(UTC)
        strong = new_lead("lead-ov", now, score=91, title="Entretien des espaces verts – lot 2")
        first = await service.publish(LeadScored(lead=strong))
        [message] = await service.wait_emails(1)

        # The same event redelivered (same id), the same version again under a new id,
        # and a real update (version 2): none of them is worth a second email.
        await service.publish(LeadScored(lead=strong), event_id=first.id)
        await service.publish(LeadScored(lead=strong))
        updated = await service.publish(LeadUpdated(lead=strong.model_copy(
            update={"version": 2, "score": 95})))
        await service.consumed(updated.id)
        await service.settle()
        assert len(service.env.emails()) == 1

        assert message["To"].addresses[0].addr_spec == "c-claire@example.org"
        assert message["Subject"] == (
            "Nouvelle piste (91/100) : Entretien des espaces verts – lot 2")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.match(r"<http://[^>]+/unsubscribe/[^>]+>", message["List-Unsubscribe"])
        html = message.get_body(("html",)).get_content()
        plain = message.get_body(("plain",)).get_content()
        for part in (html, plain):
            assert "Entretien des espaces verts – lot 2" in part
            assert "Ville de Chenôve" in part
            assert "Marché réservé aux SIAE" in part
            for label in ("Intéressé", "Pas intéressé", "Déjà en contact", "Gagné", "Perdu"):
                assert label in part

        # What went to whom is on the bus, without the message.
        [sent] = await service.bus.wait_for("notifications.alert.sent")
        assert sent["data"]["lead_id"] == "lead-ov"
        assert sent["data"]["contact_id"] == "c-claire"
        assert sent["data"]["message_id"] == message["Message-ID"]
        assert "email" not in str(sent) and "Chenôve" not in str(sent)


async def test_over_the_daily_cap_the_strong_leads_wait_for_the_digest(
        start_service, new_contact, new_lead):
    async with start_service(daily_alert_cap=2) as service:
        await service.publish_handled(ContactSubscribed(contact=new_contact("c-cap")))
        now = datetime.now(UTC)
        for n in range(4):
            item = new_lead(f"lead-{n}", now, score=90 - n)
            last = await service.publish(LeadScored(lead=item))
        await service.consumed(last.id)
        alerts = await service.wait_emails(2)
        await service.settle()
        assert len(service.env.emails()) == 2
        assert {m["Subject"].split(" : ")[0] for m in alerts} == {
            "Nouvelle piste (90/100)", "Nouvelle piste (89/100)"}

        # The operator's command builds the digest now; the running sender delivers it.
        result = run_cli(service.env, "notify", "digests", "--now")
        assert "1 digest(s) queued" in result.stderr
        messages = await service.wait_emails(3)
        [digest] = [m for m in messages if "nouvelles pistes" in m["Subject"]]
        text = digest.get_body(("plain",)).get_content()
        assert "lead-2" in text and "lead-3" in text
        assert "lead-0" not in text and "lead-1" not in text
        assert digest["Subject"].startswith("2 nouvelles pistes – ")

        # Nothing new: running it again sends nothing.
        again = run_cli(service.env, "notify", "digests", "--now")
        assert "0 digest(s) queued" in again.stderr
        await service.settle()
        assert len(service.env.emails()) == 3
        [sent] = await service.bus.wait_for("notifications.digest.sent")
        assert sorted(sent["data"]["lead_ids"]) == ["lead-2", "lead-3"]


async def test_off_sends_nothing_and_filters_and_withdrawals_shape_the_digest(
        start_service, new_contact, new_lead):
    from chantiers_common.events.common_types import AlertMode, LeadKind
    from chantiers_common.events.matching import LeadWithdrawn

    async with start_service() as service:
        await service.publish_handled(ContactSubscribed(contact=new_contact(
            "c-off", alert_mode=AlertMode.OFF)))
        await service.publish_handled(ContactSubscribed(contact=new_contact(
            "c-picky", alert_mode=AlertMode.DAILY, min_score=60, sectors=["espaces-verts"],
            lead_kinds=[LeadKind.TENDER])))
        now = datetime.now(UTC)
        leads = [
            new_lead("wanted", now, score=75),
            new_lead("too-weak", now, score=55),
            new_lead("other-sector", now, score=80, sector="nettoyage",
                     sectors=["nettoyage"]),
            new_lead("a-company", now, score=80, kind=LeadKind.COMPANY, deadline=None),
            new_lead("withdrawn", now, score=85),
            new_lead("other-structure", now, score=95, structure_siret="80746931700018"),
        ]
        for item in leads:
            await service.publish(LeadScored(lead=item))
        gone = await service.publish(LeadWithdrawn(
            lead=leads[4].model_copy(update={"version": 2}), reason="Avis annulé"))
        await service.consumed(gone.id)
        await service.settle(1.0)
        assert service.env.emails() == []  # daily contact, off contact: no alert

        run_cli(service.env, "notify", "digests", "--now")
        [digest] = await service.wait_emails(1)
        await service.settle()
        assert len(service.env.emails()) == 1
        assert digest["To"].addresses[0].addr_spec == "c-picky@example.org"
        text = digest.get_body(("plain",)).get_content()
        assert "wanted" in text
        for absent in ("too-weak", "other-sector", "a-company", "withdrawn",
                       "other-structure"):
            assert absent not in text
