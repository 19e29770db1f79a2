"""Subscribe a contact, change its preferences, unsubscribe it (kept, with the date)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events.structures import Contact, ContactSubscribed, ContactUnsubscribed

from .. import store
from ..contact_form import changed_contact
from ..errors import Conflict
from ..tokens import Principal
from .audit import audit


async def add(session: AsyncSession, principal: Principal, contact: Contact) -> Contact:
    """``contact`` comes checked from ``contact_form.new_contact``."""
    await store.get_structure(session, contact.structure_siret)
    existing = await store.contact_with_email(session, contact.structure_siret, contact.email)
    if existing is not None:
        raise _taken(existing)
    if not await store.insert_contact(session, contact):
        # Same id, another spelling of the address, or a concurrent request.
        raise Conflict("email", "contact.exists",
                       f"un contact de cette structure a déjà l'adresse {contact.email}")
    await outbox.add(session, ContactSubscribed(contact=contact))
    await audit(session, principal, "contact.add", contact.structure_siret, contact.id)
    return contact


async def change(session: AsyncSession, principal: Principal, siret: str, contact_id: str,
                 changes: Mapping[str, Any]) -> Contact:
    current = await store.get_contact(session, siret, contact_id, lock=True)
    contact = changed_contact(current, changes)
    if contact == current:
        return current
    if contact.email != current.email:
        other = await store.contact_with_email(session, siret, contact.email)
        if other is not None:
            raise _taken(other)
    await store.save_contact(session, contact)
    # Carries ``unsubscribed_at`` when set: a change of preferences never resubscribes.
    await outbox.add(session, ContactSubscribed(contact=contact))
    await audit(session, principal, "contact.change", siret, contact.id)
    return contact


async def unsubscribe(session: AsyncSession, principal: Principal, siret: str,
                      contact_id: str) -> Contact:
    current = await store.get_contact(session, siret, contact_id, lock=True)
    if current.unsubscribed_at is not None:
        return current  # the first date is the one that counts
    contact = current.model_copy(update={"unsubscribed_at": store.now()})
    await store.save_contact(session, contact)
    await outbox.add(session, ContactUnsubscribed(contact=contact))
    await audit(session, principal, "contact.unsubscribe", siret, contact.id)
    return contact


def _taken(existing: Contact) -> Conflict:
    if existing.unsubscribed_at is not None:
        return Conflict("email", "contact.unsubscribed",
                        f"l'adresse {existing.email} s'est désinscrite le "
                        f"{existing.unsubscribed_at:%d/%m/%Y} : elle ne recevra plus rien")
    return Conflict("email", "contact.exists",
                    f"un contact de cette structure a déjà l'adresse {existing.email}")
