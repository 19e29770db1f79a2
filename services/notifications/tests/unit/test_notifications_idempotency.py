import pytest

from chantiers_common.events.common_types import AlertMode
from chantiers_common.events.structures import Contact
from notifications.idempotency import alert_key, digest_key, message_id, parse_key
from notifications.preferences import ContactPrefs


def test_alert_and_digest_keys():
    assert alert_key("c-1", "lead-9") == "alert:c-1:lead-9"
    assert digest_key("c-1", "weekly:2026-W48") == "digest:c-1:weekly:2026-W48"


def test_keys_parse_back_even_when_the_subject_has_colons():
    key = parse_key(alert_key("c-1", "41234567800017:tender:26-112233"))
    assert (key.kind, key.contact_id, key.subject) == (
        "alert",
        "c-1",
        "41234567800017:tender:26-112233",
    )
    assert parse_key("digest:c-1:daily:2026-11-25").subject == "daily:2026-11-25"


@pytest.mark.parametrize("bad", ["alert:c-1", "mail:c-1:x", "alert::x", "nothing"])
def test_malformed_keys_are_refused(bad):
    with pytest.raises(ValueError):
        parse_key(bad)


def test_contact_ids_with_colons_and_bad_periods_are_refused():
    with pytest.raises(ValueError):
        alert_key("c:1", "lead")
    with pytest.raises(ValueError):
        digest_key("c-1", "2026-11-25")


def test_message_id_is_a_stable_opaque_function_of_the_key():
    first = message_id("alert:c-1:lead-9", "chantiers-agiles.fr")
    assert first == message_id("alert:c-1:lead-9", "chantiers-agiles.fr")
    assert first != message_id("alert:c-1:lead-8", "chantiers-agiles.fr")
    assert "lead-9" not in first and first.endswith("@chantiers-agiles.fr>")


def test_preferences_from_the_contract():
    contact = Contact(
        id="c-1",
        structure_siret="41234567800017",
        email="a@b.fr",
        alert_mode=AlertMode.WEEKLY,
        min_score=65,
        sectors=["nettoyage"],
    )
    prefs = ContactPrefs.from_contact(contact)
    assert prefs.digest_mode is AlertMode.WEEKLY
    assert prefs.sectors == frozenset({"nettoyage"})
    assert prefs.alert_score == 80 and prefs.min_score == 65
    assert (
        ContactPrefs.from_contact(
            contact.model_copy(update={"alert_mode": AlertMode.IMMEDIATE})
        ).digest_mode
        is AlertMode.DAILY
    )
    off = ContactPrefs.from_contact(contact.model_copy(update={"alert_mode": AlertMode.OFF}))
    assert off.digest_mode is None and not off.receives_anything
