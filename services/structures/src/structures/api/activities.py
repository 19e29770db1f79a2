"""Activities of a structure: list, declare, change, remove, confirm or reject."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from .. import store
from ..activity_form import area_of, new_activity
from ..changes import activities as changes
from ..lifecycle import Status
from ..store import ActivityRow
from .deps import Ctx, Siret, Writer
from .errors import ERRORS, ApiRoute
from .models import ActivityIn, ActivityOut, ActivityPatch

router = APIRouter(tags=["activities"], route_class=ApiRoute, responses=ERRORS)


def _out(row: ActivityRow) -> ActivityOut:
    return ActivityOut(**{**row.activity.model_dump(), "status": row.status.value,
                          "triggers": row.triggers, "updated_at": row.updated_at})


@router.get("/structures/{siret}/activities", response_model=list[ActivityOut])
async def list_activities(
    ctx: Ctx, siret: Siret,
    status: Annotated[list[Status] | None, Query(description="Absent : toutes")] = None,
) -> list[ActivityOut]:
    async with ctx.sessions() as session:
        await store.get_structure(session, siret)
        rows = await store.structure_activities(session, siret, statuses=status)
    return [_out(row) for row in rows]


@router.post("/structures/{siret}/activities", response_model=ActivityOut, status_code=201)
async def add_activity(ctx: Ctx, siret: Siret, caller: Writer, body: ActivityIn,
                       ) -> ActivityOut:
    """Declare an activity (confirmed). A sector that was suggested or rejected takes that
    activity over. Publishes ``activity.added`` (``activity.changed`` over a suggestion)."""
    area = area_of(body.area.kind, body.area.radius_km, body.area.codes)
    async with ctx.sessions.begin() as session:
        structure = await store.get_structure(session, siret)
        activity = new_activity(structure, body.sector, body.service_types, area,
                                body.capacity_notes)
        row = await changes.add(session, caller, activity)
    return _out(row)


@router.patch("/structures/{siret}/activities/{activity_id}", response_model=ActivityOut)
async def change_activity(ctx: Ctx, siret: Siret, activity_id: str, caller: Writer,
                          body: ActivityPatch) -> ActivityOut:
    """Change the fields sent; a suggested activity becomes confirmed. Publishes
    ``activity.changed``."""
    fields = body.model_dump(exclude_unset=True)
    if body.area is not None:
        fields["area"] = area_of(body.area.kind, body.area.radius_km, body.area.codes)
    async with ctx.sessions.begin() as session:
        row = await changes.change(session, caller, siret, activity_id, fields)
    return _out(row)


@router.delete("/structures/{siret}/activities/{activity_id}", status_code=204)
async def remove_activity(ctx: Ctx, siret: Siret, activity_id: str, caller: Writer,
                          ) -> Response:
    """Remove an activity: kept as rejected, so that it is not suggested again.
    Publishes ``activity.removed``."""
    async with ctx.sessions.begin() as session:
        await changes.remove(session, caller, siret, activity_id)
    return Response(status_code=204)


@router.post("/structures/{siret}/activities/{activity_id}/confirm",
             response_model=ActivityOut)
async def confirm_activity(ctx: Ctx, siret: Siret, activity_id: str, caller: Writer,
                           ) -> ActivityOut:
    """Confirm a suggested (or rejected) activity. Publishes ``activity.changed``
    (``activity.added`` for a rejected one)."""
    async with ctx.sessions.begin() as session:
        row = await changes.confirm(session, caller, siret, activity_id)
    return _out(row)


@router.post("/structures/{siret}/activities/{activity_id}/reject",
             response_model=ActivityOut)
async def reject_activity(ctx: Ctx, siret: Siret, activity_id: str, caller: Writer,
                          ) -> ActivityOut:
    """Reject a suggested activity. Publishes ``activity.removed``."""
    async with ctx.sessions.begin() as session:
        row = await changes.reject(session, caller, siret, activity_id)
    return _out(row)
