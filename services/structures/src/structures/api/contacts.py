"""Contacts of a structure (personal data: a token is needed to read them too)."""

from __future__ import annotations

from fastapi import APIRouter

from .. import store
from ..changes import contacts as changes
from ..contact_form import new_contact
from .deps import Ctx, Siret, Writer
from .errors import ERRORS, ApiRoute
from .models import ContactIn, ContactOut, ContactPatch

router = APIRouter(tags=["contacts"], route_class=ApiRoute, responses=ERRORS)


@router.get("/structures/{siret}/contacts", response_model=list[ContactOut])
async def list_contacts(ctx: Ctx, siret: Siret, caller: Writer) -> list[ContactOut]:
    """Every contact, unsubscribed ones included (with their date)."""
    async with ctx.sessions() as session:
        await store.get_structure(session, siret)
        return await store.structure_contacts(session, siret)


@router.post("/structures/{siret}/contacts", response_model=ContactOut, status_code=201)
async def add_contact(ctx: Ctx, siret: Siret, caller: Writer, body: ContactIn) -> ContactOut:
    """Subscribe a contact to the structure's leads. Publishes ``contact.subscribed``."""
    contact = new_contact(siret, body.model_dump(), store.now())
    async with ctx.sessions.begin() as session:
        return await changes.add(session, caller, contact)


@router.patch("/structures/{siret}/contacts/{contact_id}", response_model=ContactOut)
async def change_contact(ctx: Ctx, siret: Siret, contact_id: str, caller: Writer,
                         body: ContactPatch) -> ContactOut:
    """Change the fields sent (address, preferences). Publishes ``contact.subscribed``
    with the whole contact; an unsubscribed contact stays unsubscribed."""
    async with ctx.sessions.begin() as session:
        return await changes.change(session, caller, siret, contact_id,
                                    body.model_dump(exclude_unset=True))


@router.post("/structures/{siret}/contacts/{contact_id}/unsubscribe",
             response_model=ContactOut)
async def unsubscribe_contact(ctx: Ctx, siret: Siret, contact_id: str, caller: Writer,
                              ) -> ContactOut:
    """Never email this contact again (kept, with the date). Publishes
    ``contact.unsubscribed``."""
    async with ctx.sessions.begin() as session:
        return await changes.unsubscribe(session, caller, siret, contact_id)
