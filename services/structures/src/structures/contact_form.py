"""What staff send about a contact, turned into a valid ``Contact``.

A contact's id is derived from (SIRET, email) when it is created, and then kept when the
address changes, so that notifications and the one-click links follow the person. Once
unsubscribed, a contact stays unsubscribed (with its date): preferences can still be
edited, but nothing that changes them brings the emails back.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from chantiers_common.events.structures import Contact

from .validation import FieldError, ValidationFailed, check_contact

_CONTACTS = uuid.UUID("0b0f7c7e-5a51-4d52-8f0e-8a3c1d2b7e64")

EDITABLE = ("email", "name", "role", "alert_mode", "min_score", "alert_score", "sectors",
            "lead_kinds", "consent_at")


def contact_id(siret: str, email: str) -> str:
    return str(uuid.uuid5(_CONTACTS, f"{siret}|{email.lower()}"))


def new_contact(siret: str, fields: Mapping[str, Any], now: datetime) -> Contact:
    """``consent_at`` defaults to now: the person adding a contact declares its consent."""
    values = {name: fields[name] for name in EDITABLE if fields.get(name) is not None}
    values.setdefault("consent_at", now)
    contact = check_contact(_contact(id="pending", structure_siret=siret, **values))
    return contact.model_copy(update={"id": contact_id(siret, contact.email)})


def changed_contact(current: Contact, changes: Mapping[str, Any]) -> Contact:
    read_only = sorted(set(changes) - set(EDITABLE))
    if read_only:
        raise ValidationFailed(FieldError(name, "field.read_only", "champ non modifiable")
                               for name in read_only)
    for name in ("email", "alert_mode", "min_score", "consent_at"):
        if name in changes and changes[name] is None:
            raise ValidationFailed([FieldError(name, f"{name}.missing", "champ obligatoire")])
    values = current.model_dump()
    values.update(changes)
    for name in ("sectors", "lead_kinds"):
        values[name] = values[name] or []
    # Never undone here: ``unsubscribed_at`` is not editable and comes from ``current``.
    return check_contact(_contact(**values))


def _contact(**values: Any) -> Contact:
    try:
        return Contact(**values)
    except ValidationError as exc:
        raise ValidationFailed(
            FieldError(".".join(str(p) for p in e["loc"]), "contact.invalid", e["msg"])
            for e in exc.errors()) from None
