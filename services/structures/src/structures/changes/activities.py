"""Declare, change, remove, confirm and reject a structure's activities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common import outbox
from chantiers_common.events.structures import Activity

from .. import lifecycle, store
from ..activity_form import changed_activity
from ..lifecycle import Step
from ..store import ActivityRow
from ..tokens import Principal
from .audit import audit


async def add(session: AsyncSession, principal: Principal, activity: Activity) -> ActivityRow:
    """``activity`` comes checked from ``activity_form.new_activity``."""
    siret = activity.structure_siret
    current = await store.find_activity(session, siret, activity.id, lock=True)
    step = lifecycle.add(current.status if current else None)
    return await _apply(session, principal, "activity.add", activity, step,
                        current.triggers if current else [])


async def change(session: AsyncSession, principal: Principal, siret: str, activity_id: str,
                 changes: Mapping[str, Any]) -> ActivityRow:
    current = await store.get_activity(session, siret, activity_id, lock=True)
    step = lifecycle.edit(current.status)
    structure = await store.get_structure(session, siret)
    activity = lifecycle.published(changed_activity(current.activity, changes, structure),
                                   step.status)
    if activity == current.activity and step.status is current.status:
        return current
    return await _apply(session, principal, "activity.change", activity, step,
                        current.triggers)


async def confirm(session: AsyncSession, principal: Principal, siret: str,
                  activity_id: str) -> ActivityRow:
    return await _move(session, principal, siret, activity_id, "confirm", lifecycle.confirm)


async def reject(session: AsyncSession, principal: Principal, siret: str,
                 activity_id: str) -> ActivityRow:
    return await _move(session, principal, siret, activity_id, "reject", lifecycle.reject)


async def remove(session: AsyncSession, principal: Principal, siret: str,
                 activity_id: str) -> ActivityRow:
    return await _move(session, principal, siret, activity_id, "remove", lifecycle.remove)


async def _move(session: AsyncSession, principal: Principal, siret: str, activity_id: str,
                verb: str, decide: Any) -> ActivityRow:
    current = await store.get_activity(session, siret, activity_id, lock=True)
    step: Step = decide(current.status)
    if step.event is None:
        return current
    activity = lifecycle.published(current.activity, step.status)
    return await _apply(session, principal, f"activity.{verb}", activity, step,
                        current.triggers)


async def _apply(session: AsyncSession, principal: Principal, action: str,
                 activity: Activity, step: Step, triggers: list[str]) -> ActivityRow:
    activity = lifecycle.published(activity, step.status)
    await store.save_activity(session, activity, step.status)
    event = lifecycle.event(step, activity)
    if event is not None:
        await outbox.add(session, event)
    await audit(session, principal, action, activity.structure_siret, activity.id)
    return ActivityRow(activity, step.status, triggers, store.now())
