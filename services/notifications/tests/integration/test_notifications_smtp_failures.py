"""SMTP failures on the real stack: a refused address (the sink answers 550 for the
``.invalid`` domain) is published and not tried again until it changes; a server that is
down for a while gets the message once it is back, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chantiers_common.events.matching import LeadScored
from chantiers_common.events.structures import ContactSubscribed

pytestmark = pytest.mark.stack


async def test_a_refused_address_is_reported_and_not_tried_until_it_changes(
        start_service, new_contact, new_lead):
    async with start_service() as service:
        now = datetime.now(UTC)
        await service.publish_handled(ContactSubscribed(contact=new_contact(
            "c-bounce", email="claire@ancienne-adresse.invalid")))
        await service.publish(LeadScored(lead=new_lead("lead-a", now, score=90)))

        [failed] = await service.bus.wait_for("notifications.delivery.failed")
        assert failed["data"]["permanent"] is True
        assert failed["data"]["idempotency_key"] == "alert:c-bounce:lead-a"
        assert "550" in failed["data"]["reason"]
        assert "invalid" not in str(failed["data"])  # no address on the bus

        # The address is marked: the next lead is not even queued for it.
        second = await service.publish(LeadScored(lead=new_lead("lead-b", now, score=91)))
        await service.consumed(second.id)
        await service.settle(1.0)
        rows = await service.sql("SELECT key, status FROM deliveries ORDER BY key")
        assert [(r.key, r.status) for r in rows] == [("alert:c-bounce:lead-a", "failed")]
        assert service.env.emails() == []

        # The same address again (preferences changed) is still refused here…
        await service.publish_handled(ContactSubscribed(contact=new_contact(
            "c-bounce", email="claire@ancienne-adresse.invalid", min_score=40)))
        third = await service.publish(LeadScored(lead=new_lead("lead-c", now, score=92)))
        await service.consumed(third.id)
        await service.settle(1.0)
        assert len(await service.sql("SELECT key FROM deliveries")) == 1

        # …a new address is tried at once.
        await service.publish_handled(ContactSubscribed(contact=new_contact(
            "c-bounce", email="claire@nouvelle-adresse.fr")))
        await service.publish(LeadScored(lead=new_lead("lead-d", now, score=93)))
        [message] = await service.wait_emails(1)
        assert message["To"].addresses[0].addr_spec == "claire@nouvelle-adresse.fr"
        assert len(service.bus.of("notifications.delivery.failed")) == 1


async def test_a_server_down_for_a_while_gets_the_email_once_it_is_back(
        start_service, new_contact, new_lead):
    async with start_service() as service:
        env = service.env
        sink = env._sinks[0]  # the SMTP sink, started first by the environment
        assert "chantiers_cli.sinks.smtp" in " ".join(sink.args)
        sink.terminate()
        sink.wait(10)

        await service.publish_handled(ContactSubscribed(contact=new_contact("c-patient")))
        await service.publish(LeadScored(lead=new_lead("lead-wait", datetime.now(UTC),
                                                       score=90)))

        async def retried() -> bool:
            rows = await service.sql("SELECT attempts, status, last_error FROM deliveries")
            return bool(rows) and rows[0].attempts >= 3 and rows[0].status == "pending"

        await service.until(retried, 20, "three failed attempts")
        [row] = await service.sql("SELECT last_error FROM deliveries")
        assert "unreachable" in row.last_error
        assert env.emails() == []

        env.start_smtp()
        [message] = await service.wait_emails(1, timeout=20)
        assert message["To"].addresses[0].addr_spec == "c-patient@example.org"
        await service.settle(2.0)
        assert len(env.emails()) == 1
        [row] = await service.sql("SELECT status, attempts FROM deliveries")
        assert row.status == "sent" and row.attempts >= 4
        assert len(await service.bus.wait_for("notifications.alert.sent")) == 1
        assert service.bus.of("notifications.delivery.failed") == []
