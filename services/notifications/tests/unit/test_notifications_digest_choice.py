"""Which queued leads a contact's digest shows (the pure part of the digest builder)."""

from __future__ import annotations

from datetime import timedelta

from chantiers_common.events.common_types import AlertMode
from chantiers_common.events.structures import Contact
from notifications.digests import choose
from notifications.options import NotifyOptions

SIRET = "41234567800017"


def queue(leads, *, withdrawn=(), sent=()):  # type: ignore[no-untyped-def]
    return [(lead, "withdrawn" if lead.id in withdrawn else "active", lead.id in sent)
            for lead in leads]


def contact(mode: AlertMode = AlertMode.DAILY, **values) -> Contact:  # type: ignore[no-untyped-def]
    return Contact(id="c-1", structure_siret=SIRET, email="a@example.org", alert_mode=mode,
                   **values)


def test_best_first_without_withdrawn_already_sent_or_filtered(make_lead, now) -> None:
    leads = [make_lead(id="weak", score=52), make_lead(id="best", score=90),
             make_lead(id="gone", score=95), make_lead(id="sent", score=85),
             make_lead(id="below", score=30), make_lead(id="past", score=88,
                                                        deadline=now - timedelta(hours=1))]
    chosen = choose(contact(), queue(leads, withdrawn={"gone"}, sent={"sent"}),
                    AlertMode.DAILY, now, NotifyOptions())
    assert chosen is not None
    assert [lead.id for lead in chosen] == ["best", "weak"]


def test_the_newest_version_of_a_queued_lead_is_shown(make_lead, now) -> None:
    old, new = make_lead(id="l", version=1, score=60), make_lead(id="l", version=3, score=75)
    chosen = choose(contact(), queue([old, new]), AlertMode.DAILY, now, NotifyOptions())
    assert chosen is not None
    assert [(lead.id, lead.version) for lead in chosen] == [("l", 3)]


def test_immediate_contacts_get_the_daily_digest_and_weekly_ones_only_theirs(make_lead,
                                                                           now) -> None:
    queued = [make_lead(id="a")]
    assert choose(contact(AlertMode.IMMEDIATE), queue(queued), AlertMode.DAILY, now,
                  NotifyOptions()) == queued
    assert choose(contact(AlertMode.WEEKLY), queue(queued), AlertMode.DAILY, now,
                  NotifyOptions()) is None
    assert choose(contact(AlertMode.DAILY), queue(queued), AlertMode.WEEKLY, now,
                  NotifyOptions()) is None


def test_a_long_queue_is_cut_to_the_fifteen_best(make_lead, now) -> None:
    queued = [make_lead(id=f"l{n}", score=50 + n) for n in range(30)]
    chosen = choose(contact(), queue(queued), AlertMode.DAILY, now, NotifyOptions())
    assert chosen is not None
    assert [lead.score for lead in chosen] == list(range(79, 64, -1))
