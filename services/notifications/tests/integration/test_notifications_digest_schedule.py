"""The digest scheduler of the running service, driven by a clock the test moves: daily
digests at 08:00 (Paris) on business days, weekly ones on Monday, none when there is
nothing new, one per period whatever happens."""

from __future__ import annotations

from datetime import datetime

import pytest

from chantiers_common.events.common_types import AlertMode
from chantiers_common.events.matching import LeadScored
from chantiers_common.events.structures import ContactSubscribed
from notifications.schedule import PARIS

pytestmark = pytest.mark.stack

# Monday 23 November 2026, 10:00 in Paris.
MONDAY_10H = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)


def recipients(messages) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["To"].addresses[0].addr_spec for m in messages]


async def test_the_scheduler_sends_digests_at_their_slots_and_only_with_news(
        start_service, new_contact, new_lead, fake_clock):
    clock = fake_clock(MONDAY_10H)
    async with start_service(clock=clock) as service:
        await service.publish_handled(ContactSubscribed(contact=new_contact(
            "c-daily", alert_mode=AlertMode.DAILY)))
        await service.publish_handled(ContactSubscribed(contact=new_contact(
            "c-weekly", alert_mode=AlertMode.WEEKLY)))
        for name, score in (("espaces-verts-parc", 72), ("fauchage", 65)):
            last = await service.publish(LeadScored(lead=new_lead(name, clock(), score=score)))
        await service.consumed(last.id)

        # Monday's 08:00 slot was before these leads: they wait for Tuesday's.
        await service.settle(1.0)
        assert service.env.emails() == []

        clock.set(datetime(2026, 11, 24, 8, 0, 5, tzinfo=PARIS))
        [daily] = await service.wait_emails(1)
        assert recipients([daily]) == ["c-daily@example.org"]
        assert daily["Subject"] == "2 nouvelles pistes – mardi 24 novembre 2026"
        body = daily.get_body(("plain",)).get_content()
        # Best first.
        assert body.index("espaces-verts-parc") < body.index("fauchage")

        # The scheduler keeps running through the day: nothing more on Tuesday, and on
        # Wednesday nothing new means no digest at all.
        clock.set(datetime(2026, 11, 24, 17, 0, tzinfo=PARIS))
        await service.settle(1.0)
        clock.set(datetime(2026, 11, 25, 8, 0, 5, tzinfo=PARIS))
        await service.settle(1.5)
        assert len(service.env.emails()) == 1

        # A new lead on Wednesday: in Thursday's daily digest and in next Monday's weekly.
        new = await service.publish(LeadScored(lead=new_lead("nettoyage-vitres", clock())))
        await service.consumed(new.id)
        clock.set(datetime(2026, 11, 26, 8, 0, 5, tzinfo=PARIS))
        messages = await service.wait_emails(2)
        assert messages[-1]["Subject"] == "1 nouvelle piste – jeudi 26 novembre 2026"

        clock.set(datetime(2026, 11, 30, 8, 0, 5, tzinfo=PARIS))
        messages = await service.wait_emails(3)
        weekly = messages[-1]
        assert recipients([weekly]) == ["c-weekly@example.org"]
        assert weekly["Subject"] == "3 nouvelles pistes – semaine du 30 novembre 2026"
        await service.settle()
        assert len(service.env.emails()) == 3

        periods = await service.sql(
            "SELECT period FROM deliveries WHERE kind = 'digest' ORDER BY period")
        assert [p.period for p in periods] == [
            "daily:2026-11-24", "daily:2026-11-26", "weekly:2026-W49"]
        assert (await service.sql("SELECT count(*) AS n FROM digest_pending"))[0].n == 0
