"""Contacts from what staff type: normalised address, stable id, consent, and an
unsubscription that nothing undoes."""

from datetime import UTC, datetime

import pytest

from chantiers_common.events.common_types import AlertMode
from structures.contact_form import changed_contact, contact_id, new_contact
from structures.validation import ValidationFailed

SIRET = "80746931700018"
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_new_contact():
    contact = new_contact(SIRET, {"email": " Claire.Martin@Example.ORG ", "name": "Claire",
                                  "alert_mode": AlertMode.WEEKLY, "sectors": None}, NOW)
    assert contact.email == "Claire.Martin@example.org"
    assert contact.id == contact_id(SIRET, "claire.martin@example.org")
    assert contact.consent_at == NOW and contact.unsubscribed_at is None
    assert contact.sectors == [] and contact.min_score == 50


def test_bad_fields_are_named():
    with pytest.raises(ValidationFailed) as caught:
        new_contact(SIRET, {"email": "claire@", "sectors": ["maraichage", "nope"]}, NOW)
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("email", "email.malformed"), ("sectors[1]", "sector.unknown")}


def test_changes_keep_the_unsubscription():
    gone = new_contact(SIRET, {"email": "a@example.org"}, NOW).model_copy(
        update={"unsubscribed_at": NOW})
    changed = changed_contact(gone, {"min_score": 70, "email": "b@example.org"})
    assert changed.unsubscribed_at == NOW and changed.id == gone.id
    for bad in ({"unsubscribed_at": None}, {"email": None}):
        with pytest.raises(ValidationFailed):
            changed_contact(gone, bad)
