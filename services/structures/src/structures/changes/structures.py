"""Register, update, deactivate and reactivate a structure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events.structures import (
    ActivityChanged,
    Structure,
    StructureDeactivated,
    StructureRegistered,
    StructureUpdated,
)

from .. import store
from ..errors import Conflict
from ..lifecycle import Status, with_structure
from ..structure_form import changed_structure, moved
from ..tokens import Principal
from .audit import audit

LIVE = (Status.SUGGESTED, Status.CONFIRMED)


async def register(session: AsyncSession, principal: Principal, structure: Structure,
                   ) -> Structure:
    """``structure`` comes checked from ``structure_form.new_structure``."""
    if not await store.insert_structure(session, structure):
        raise Conflict("siret", "structure.exists",
                       f"la structure de SIRET {structure.siret} existe déjà : modifiez-la")
    await outbox.add(session, StructureRegistered(structure=structure))
    await audit(session, principal, "structure.register", structure.siret)
    return structure


async def update(session: AsyncSession, principal: Principal, siret: str,
                 changes: Mapping[str, Any]) -> Structure:
    current = await store.get_structure(session, siret, lock=True)
    structure = changed_structure(current, changes)
    if structure == current:
        return current  # nothing changed: nothing to publish
    await store.save_structure(session, structure)
    await outbox.add(session, StructureUpdated(structure=structure))
    if moved(current, structure):
        await _republish_activities(session, structure)
    await audit(session, principal, "structure.update", siret)
    return structure


async def deactivate(session: AsyncSession, principal: Principal, siret: str) -> Structure:
    current = await store.get_structure(session, siret, lock=True)
    if not current.active:
        return current
    structure = current.model_copy(update={"active": False})
    await store.save_structure(session, structure)
    await outbox.add(session, StructureDeactivated(structure=structure))
    await audit(session, principal, "structure.deactivate", siret)
    return structure


async def reactivate(session: AsyncSession, principal: Principal, siret: str) -> Structure:
    current = await store.get_structure(session, siret, lock=True)
    if current.active:
        return current
    structure = current.model_copy(update={"active": True})
    await store.save_structure(session, structure)
    await outbox.add(session, StructureUpdated(structure=structure))
    await audit(session, principal, "structure.reactivate", siret)
    return structure


async def _republish_activities(session: AsyncSession, structure: Structure) -> None:
    """Activities carry their structure's point, department and kind (matching decides
    from them without calling back): a move changes each of them."""
    for row in await store.structure_activities(session, structure.siret, statuses=LIVE,
                                                lock=True):
        activity = with_structure(row.activity, structure)
        if activity != row.activity:
            await store.save_activity(session, activity, row.status)
            await outbox.add(session, ActivityChanged(activity=activity))
