"""Which contact state wins when contact events arrive late, twice or out of order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from chantiers_common.events.structures import Contact
from notifications.handlers import merge_contact

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def contact(**values) -> Contact:  # type: ignore[no-untyped-def]
    return Contact(id="c-1", structure_siret="41234567800017", email="a@example.org",
                   consent_at=T0 - timedelta(days=30), **values)


def stored(event_at: datetime, unsubscribed_at: datetime | None = None) -> SimpleNamespace:
    return SimpleNamespace(event_at=event_at, unsubscribed_at=unsubscribed_at,
                           bounced_email=None)


def test_a_first_subscription_is_kept_as_it_is() -> None:
    merged = merge_contact(contact(min_score=60), "contact.subscribed", T0, None)
    assert merged is not None
    state, unsubscribed_at = merged
    assert state.min_score == 60 and unsubscribed_at is None


def test_an_event_older_than_the_applied_one_changes_nothing() -> None:
    assert merge_contact(contact(), "contact.subscribed", T0, stored(T0 + timedelta(1))) is None


def test_an_unsubscribe_event_without_a_date_takes_the_event_time() -> None:
    merged = merge_contact(contact(), "contact.unsubscribed", T0, stored(T0 - timedelta(1)))
    assert merged is not None and merged[1] == T0


def test_a_late_subscription_does_not_undo_an_unsubscribe() -> None:
    left = T0 - timedelta(hours=1)
    # Structures replays the old state (consent a month ago): still unsubscribed.
    merged = merge_contact(contact(), "contact.subscribed", T0, stored(left, left))
    assert merged is not None and merged[1] == left
    assert merged[0].unsubscribed_at == left


def test_a_new_consent_after_the_unsubscribe_subscribes_again() -> None:
    left = T0 - timedelta(hours=1)
    again = contact().model_copy(update={"consent_at": T0 - timedelta(minutes=5)})
    merged = merge_contact(again, "contact.subscribed", T0, stored(left, left))
    assert merged is not None and merged[1] is None
