from datetime import UTC, datetime, timedelta

import pytest

from chantiers_common.events.common_types import AlertMode, LeadKind
from chantiers_common.events.matching import LeadScored, LeadWithdrawn
from notifications.policy import (
    Action,
    LeadChange,
    LeadEvent,
    Reason,
    decide,
    select_for_digest,
)


def scored(lead):
    return LeadEvent(lead, LeadChange.SCORED)


def test_strong_lead_is_alerted_at_once_in_immediate_mode(make_lead, make_contact, now):
    contact = make_contact(alert_score=80)
    decision = decide(scored(make_lead(score=85)), contact, 0, False, now)
    assert decision.action is Action.ALERT
    assert decision.reason is Reason.STRONG_SCORE
    assert not decision.urgent


def test_lead_under_the_alert_score_waits_for_the_daily_digest(make_lead, make_contact, now):
    contact = make_contact(alert_score=80)
    decision = decide(scored(make_lead(score=79)), contact, 0, False, now)
    assert decision.action is Action.DIGEST
    assert decision.reason is Reason.FOR_DIGEST
    assert decision.digest_mode is AlertMode.DAILY
    # Tuesday 10:00 in Paris: the next daily digest is Wednesday 08:00 (07:00 UTC).
    assert decision.next_digest_at == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def test_daily_mode_gets_no_alert_for_a_strong_lead(make_lead, make_contact, now):
    contact = make_contact(alert_mode=AlertMode.DAILY)
    decision = decide(scored(make_lead(score=99)), contact, 0, False, now)
    assert decision.action is Action.DIGEST


def test_default_alert_score_is_80_and_never_below_min_score(make_lead, make_contact, now):
    contact = make_contact()
    assert contact.alert_score == 80
    assert decide(scored(make_lead(score=80)), contact, 0, False, now).action is Action.ALERT
    assert decide(scored(make_lead(score=75)), contact, 0, False, now).action is Action.DIGEST
    assert make_contact(alert_score=40, min_score=60).alert_score == 60


def test_urgent_deadline_is_alerted_even_in_weekly_mode(make_lead, make_contact, now):
    # Tuesday 24/11; the weekly digest leaves Monday 30/11 08:00. A deadline on Wednesday
    # 02/12 at noon leaves less than 3 business days after that digest (Friday 27/11 noon
    # was the last useful moment).
    contact = make_contact(alert_mode=AlertMode.WEEKLY)
    lead = make_lead(score=55, deadline=datetime(2026, 12, 2, 11, 0, tzinfo=UTC))
    decision = decide(scored(lead), contact, 0, False, now)
    assert decision.action is Action.ALERT
    assert decision.reason is Reason.URGENT_DEADLINE
    assert decision.urgent
    # The same deadline is far enough for a contact with a daily digest (Wednesday 08:00).
    daily = make_contact(alert_mode=AlertMode.DAILY)
    assert decide(scored(lead), daily, 0, False, now).action is Action.DIGEST


def test_urgency_boundary_is_three_business_days_before_the_deadline(make_lead, make_contact, now):
    contact = make_contact(alert_mode=AlertMode.DAILY)
    # Next digest: Wednesday 25/11 08:00 Paris. Deadline Monday 30/11 08:00 Paris minus
    # 3 business days = Wednesday 25/11 08:00: the digest is just in time.
    just_in_time = make_lead(deadline=datetime(2026, 11, 30, 7, 0, tzinfo=UTC))
    assert decide(scored(just_in_time), contact, 0, False, now).action is Action.DIGEST
    one_minute_earlier = make_lead(deadline=datetime(2026, 11, 30, 6, 59, tzinfo=UTC))
    decision = decide(scored(one_minute_earlier), contact, 0, False, now)
    assert decision.action is Action.ALERT
    assert decision.reason is Reason.URGENT_DEADLINE


def test_daily_cap_sends_the_rest_to_the_digest(make_lead, make_contact, now):
    contact = make_contact(daily_alert_cap=3)
    lead = make_lead(score=90)
    assert decide(scored(lead), contact, 2, False, now).action is Action.ALERT
    decision = decide(scored(lead), contact, 3, False, now)
    assert decision.action is Action.DIGEST
    assert decision.reason is Reason.DAILY_CAP_REACHED


def test_never_a_second_alert_for_the_same_lead(make_lead, make_contact, now):
    contact = make_contact()
    update = LeadEvent(make_lead(score=95, version=2), LeadChange.UPDATED)
    decision = decide(update, contact, 0, True, now)
    assert decision.action is Action.SKIP
    assert decision.reason is Reason.ALREADY_ALERTED


def test_withdrawn_lead_is_left_out(make_lead, make_contact, now):
    event = LeadEvent.from_contract(LeadWithdrawn(lead=make_lead(score=95), reason="annulé"))
    assert event.change is LeadChange.WITHDRAWN
    decision = decide(event, make_contact(), 0, False, now)
    assert (decision.action, decision.reason) == (Action.SKIP, Reason.WITHDRAWN)


def test_off_and_unsubscribed_receive_nothing(make_lead, make_contact, now):
    event = scored(make_lead(score=100, deadline=now + timedelta(hours=5)))
    off = decide(event, make_contact(alert_mode=AlertMode.OFF), 0, False, now)
    assert (off.action, off.reason) == (Action.SKIP, Reason.MODE_OFF)
    gone = decide(event, make_contact(unsubscribed_at=now), 0, False, now)
    assert (gone.action, gone.reason) == (Action.SKIP, Reason.UNSUBSCRIBED)


@pytest.mark.parametrize(
    ("contact_kw", "lead_kw", "reason"),
    [
        ({"min_score": 60}, {"score": 59}, Reason.BELOW_MIN_SCORE),
        ({"sectors": ["nettoyage"]}, {}, Reason.SECTOR_NOT_FOLLOWED),
        ({"sectors": ["nettoyage"]}, {"sector": None, "sectors": []}, Reason.SECTOR_NOT_FOLLOWED),
        ({"lead_kinds": [LeadKind.COMPANY]}, {}, Reason.KIND_NOT_FOLLOWED),
    ],
)
def test_filters_leave_leads_out(make_lead, make_contact, now, contact_kw, lead_kw, reason):
    decision = decide(scored(make_lead(**lead_kw)), make_contact(**contact_kw), 0, False, now)
    assert (decision.action, decision.reason) == (Action.SKIP, reason)


def test_filters_accept_matching_leads(make_lead, make_contact, now):
    contact = make_contact(
        min_score=60, sectors=["nettoyage", "espaces-verts"], lead_kinds=[LeadKind.TENDER]
    )
    lead = make_lead(score=60, sector="nettoyage", sectors=[])
    assert decide(scored(lead), contact, 0, False, now).action is Action.DIGEST


def test_lead_of_another_structure_or_past_deadline_is_skipped(make_lead, make_contact, now):
    other = make_lead(structure_siret="99999999900019")
    assert decide(scored(other), make_contact(), 0, False, now).reason is Reason.OTHER_STRUCTURE
    past = make_lead(deadline=now - timedelta(minutes=1))
    assert decide(scored(past), make_contact(), 0, False, now).reason is Reason.DEADLINE_PASSED


def test_decide_requires_an_aware_now(make_lead, make_contact):
    with pytest.raises(ValueError):
        decide(scored(make_lead()), make_contact(), 0, False, datetime(2026, 11, 24, 10))


def test_event_from_contract(make_lead):
    assert LeadEvent.from_contract(LeadScored(lead=make_lead())).change is LeadChange.SCORED


def test_digest_selection(make_lead, make_contact, now):
    contact = make_contact(min_score=50)
    leads = [
        make_lead(id="a", score=60),
        make_lead(id="a", score=75, version=2),  # newer version of "a" wins
        make_lead(id="b", score=90),  # alerted already
        make_lead(id="c", score=80),  # withdrawn since queued
        make_lead(id="d", score=40),  # under min score
        make_lead(id="e", score=75, deadline=now + timedelta(days=2)),  # same score, sooner
        make_lead(id="f", score=99, deadline=now - timedelta(hours=1)),  # deadline passed
        make_lead(id="g", score=65, deadline=None, kind=LeadKind.COMPANY),
    ]
    chosen = select_for_digest(leads, contact, now, withdrawn={"c"}, alerted={"b"})
    assert [lead.id for lead in chosen] == ["e", "a", "g"]
    assert chosen[1].version == 2
    capped = select_for_digest(leads, contact, now, withdrawn={"c"}, alerted={"b"}, max_leads=2)
    assert [lead.id for lead in capped] == ["e", "a"]


def test_no_digest_when_nothing_is_new(make_lead, make_contact, now):
    assert select_for_digest([], make_contact(), now) == []
    only_withdrawn = [make_lead(id="x")]
    assert select_for_digest(only_withdrawn, make_contact(), now, withdrawn=["x"]) == []
    off = make_contact(alert_mode=AlertMode.OFF)
    assert select_for_digest([make_lead()], off, now) == []
