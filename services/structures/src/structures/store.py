"""Rows of the structures database ↔ the contracts, for the API's writes and the import.

Each table keeps the whole contract as published in ``data`` (JSONB) and a few columns
for searching; these helpers keep the two in step, in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common.events.structures import Activity, Contact, Structure

from .db import activities, contacts, structures
from .errors import NotFound
from .lifecycle import Status

# Structures created through the API have no record in the registry file: a fingerprint
# no file record can have, so that the file, if it lists them later, updates them.
API_FINGERPRINT = "api"


def now() -> datetime:
    return datetime.now(UTC)


# --- Structures ----------------------------------------------------------------------------

def structure_values(structure: Structure) -> dict[str, Any]:
    """The columns that follow the contract (not the import's own bookkeeping)."""
    return {
        "siren": structure.siren, "kind": structure.kind, "name": structure.name,
        "brand": structure.brand, "department": structure.department,
        "lat": structure.location.lat if structure.location else None,
        "lon": structure.location.lon if structure.location else None,
        "active": structure.active, "data": structure.model_dump(mode="json"),
    }


async def find_structure(session: AsyncSession, siret: str, *,
                         lock: bool = False) -> Structure | None:
    query = select(structures.c.data).where(structures.c.siret == siret)
    if lock:
        query = query.with_for_update()
    data = await session.scalar(query)
    return None if data is None else Structure.model_validate(data)


async def get_structure(session: AsyncSession, siret: str, *, lock: bool = False) -> Structure:
    found = await find_structure(session, siret, lock=lock)
    if found is None:
        raise NotFound("structure", f"aucune structure de SIRET {siret}")
    return found


async def insert_structure(session: AsyncSession, structure: Structure) -> bool:
    """False when the SIRET is already registered (checked by the insert itself, so that
    two concurrent registrations cannot both succeed)."""
    inserted = await session.execute(
        insert(structures).values(siret=structure.siret, fingerprint=API_FINGERPRINT,
                                  **structure_values(structure))
        .on_conflict_do_nothing().returning(structures.c.siret))
    return inserted.first() is not None


async def save_structure(session: AsyncSession, structure: Structure) -> None:
    await session.execute(update(structures).where(structures.c.siret == structure.siret)
                          .values(updated_at=now(), **structure_values(structure)))


# --- Activities ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ActivityRow:
    activity: Activity
    status: Status
    triggers: list[str]
    updated_at: datetime


def activity_values(activity: Activity, status: Status | str) -> dict[str, Any]:
    return {
        "siret": activity.structure_siret, "sector": activity.sector,
        "status": str(status), "confidence": activity.confidence,
        "data": activity.model_dump(mode="json"),
    }


def _activity_row(row: Any) -> ActivityRow:
    return ActivityRow(Activity.model_validate(row.data), Status(row.status),
                       list(row.triggers or []), row.updated_at)


async def find_activity(session: AsyncSession, siret: str, activity_id: str, *,
                        lock: bool = False) -> ActivityRow | None:
    query = (select(activities.c.data, activities.c.status, activities.c.triggers,
                    activities.c.updated_at)
             .where(activities.c.siret == siret, activities.c.id == activity_id))
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return None if row is None else _activity_row(row)


async def get_activity(session: AsyncSession, siret: str, activity_id: str, *,
                       lock: bool = False) -> ActivityRow:
    found = await find_activity(session, siret, activity_id, lock=lock)
    if found is None:
        raise NotFound("activity", f"aucune activité {activity_id} pour la structure {siret}")
    return found


async def structure_activities(session: AsyncSession, siret: str, *,
                               statuses: Iterable[Status] | None = None,
                               lock: bool = False) -> list[ActivityRow]:
    query = (select(activities.c.data, activities.c.status, activities.c.triggers,
                    activities.c.updated_at)
             .where(activities.c.siret == siret).order_by(activities.c.sector))
    if statuses is not None:
        query = query.where(activities.c.status.in_([str(s) for s in statuses]))
    if lock:
        query = query.with_for_update()
    return [_activity_row(row) for row in (await session.execute(query)).all()]


async def save_activity(session: AsyncSession, activity: Activity, status: Status) -> None:
    """Insert or update; the triggers of a suggestion are kept (they say why it was made)."""
    values = {**activity_values(activity, status), "updated_at": now()}
    await session.execute(insert(activities).values(id=activity.id, **values)
                          .on_conflict_do_update(index_elements=["id"], set_=values))


# --- Contacts ------------------------------------------------------------------------------

def contact_values(contact: Contact) -> dict[str, Any]:
    return {"siret": contact.structure_siret, "email": contact.email,
            "data": contact.model_dump(mode="json"), "unsubscribed_at": contact.unsubscribed_at}


async def find_contact(session: AsyncSession, contact_id: str, *,
                       lock: bool = False) -> Contact | None:
    query = select(contacts.c.data).where(contacts.c.id == contact_id)
    if lock:
        query = query.with_for_update()
    data = await session.scalar(query)
    return None if data is None else Contact.model_validate(data)


async def get_contact(session: AsyncSession, siret: str, contact_id: str, *,
                      lock: bool = False) -> Contact:
    found = await find_contact(session, contact_id, lock=lock)
    if found is None or found.structure_siret != siret:
        raise NotFound("contact", f"aucun contact {contact_id} pour la structure {siret}")
    return found


async def contact_with_email(session: AsyncSession, siret: str, email: str) -> Contact | None:
    """Case-blind: "Claire.Martin@" and "claire.martin@" reach one person in practice, and
    one who unsubscribed must not come back through another spelling."""
    data = await session.scalar(select(contacts.c.data).where(
        contacts.c.siret == siret, func.lower(contacts.c.email) == email.lower()).limit(1))
    return None if data is None else Contact.model_validate(data)


async def structure_contacts(session: AsyncSession, siret: str) -> list[Contact]:
    rows = await session.scalars(select(contacts.c.data).where(contacts.c.siret == siret)
                                 .order_by(contacts.c.created_at, contacts.c.id))
    return [Contact.model_validate(data) for data in rows]


async def insert_contact(session: AsyncSession, contact: Contact) -> bool:
    """False when the structure already has a contact with this id or address."""
    inserted = await session.execute(
        insert(contacts).values(id=contact.id, **contact_values(contact))
        .on_conflict_do_nothing().returning(contacts.c.id))
    return inserted.first() is not None


async def save_contact(session: AsyncSession, contact: Contact) -> None:
    await session.execute(update(contacts).where(contacts.c.id == contact.id)
                          .values(updated_at=now(), **contact_values(contact)))
