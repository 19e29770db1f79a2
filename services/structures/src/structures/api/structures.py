"""Structures: read, search, register, update, deactivate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chantiers_common.paging import Offset

from .. import queries
from ..changes import structures as changes
from ..errors import NotFound
from ..search import MAX_PAGE, search_filter
from ..structure_form import new_structure
from .deps import Admin, Ctx, Siret, Writer
from .errors import ERRORS, ApiRoute
from .models import StructureIn, StructureItem, StructureOut, StructurePage, StructurePatch

router = APIRouter(tags=["structures"], route_class=ApiRoute, responses=ERRORS)


def _out(found: queries.Found) -> StructureOut:
    return StructureOut(**found.structure.model_dump(), description=found.description)


@router.get("/structures", response_model=StructurePage)
async def search_structures(
    ctx: Ctx,
    department: Annotated[str | None, Query(description="Code INSEE, par exemple 21")] = None,
    kind: Annotated[str | None, Query(description="ACI, EI…")] = None,
    sector: Annotated[str | None, Query(description="Slug : une activité (suggérée ou "
                                        "confirmée) dans ce secteur")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Texte : nom, enseigne, "
                                   "ville, présentation (sans casse ni accents)")] = None,
    near: Annotated[str | None, Query(description="Point « lat,lon » (WGS84)")] = None,
    radius_km: Annotated[float | None, Query(description="Rayon autour de « near »")] = None,
    active: Annotated[bool, Query(description="false : les désactivées")] = True,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> StructurePage:
    """Structures matching every filter given; nearest first with ``near``, else by name."""
    where = search_filter(department=department, kind=kind, sector=sector, q=q, near=near,
                          radius_km=radius_km, active=active)
    async with ctx.sessions() as session:
        page = await queries.search_structures(session, where, offset=offset, limit=limit)
    return StructurePage(total=page.total, offset=offset, limit=limit, items=[
        StructureItem(**_out(found).model_dump(), distance_km=found.distance_km)
        for found in page.items])


@router.get("/structures/{siret}", response_model=StructureOut)
async def read_structure(ctx: Ctx, siret: Siret) -> StructureOut:
    async with ctx.sessions() as session:
        found = await queries.structure_with_description(session, siret)
    if found is None:
        raise NotFound("structure", f"aucune structure de SIRET {siret}")
    return _out(found)


@router.post("/structures", response_model=StructureOut, status_code=201)
async def register_structure(ctx: Ctx, caller: Admin, body: StructureIn) -> StructureOut:
    """Register a structure (admin). Publishes ``structure.registered``."""
    structure = new_structure(body.siret, body.model_dump(exclude={"siret"}))
    async with ctx.sessions.begin() as session:
        structure = await changes.register(session, caller, structure)
    return StructureOut(**structure.model_dump())


@router.patch("/structures/{siret}", response_model=StructureOut)
async def update_structure(ctx: Ctx, siret: Siret, caller: Writer,
                           body: StructurePatch) -> StructureOut:
    """Change the fields sent. Publishes ``structure.updated`` (and ``activity.changed``
    for each activity when the structure moves); nothing when nothing changes."""
    async with ctx.sessions.begin() as session:
        await changes.update(session, caller, siret, body.model_dump(exclude_unset=True))
        found = await queries.structure_with_description(session, siret)
    assert found is not None
    return _out(found)


@router.post("/structures/{siret}/deactivate", response_model=StructureOut)
async def deactivate_structure(ctx: Ctx, siret: Siret, caller: Writer) -> StructureOut:
    """Stop leads for this structure (kept, with its activities and contacts). Publishes
    ``structure.deactivated``."""
    async with ctx.sessions.begin() as session:
        await changes.deactivate(session, caller, siret)
        found = await queries.structure_with_description(session, siret)
    assert found is not None
    return _out(found)


@router.post("/structures/{siret}/reactivate", response_model=StructureOut)
async def reactivate_structure(ctx: Ctx, siret: Siret, caller: Admin) -> StructureOut:
    """Undo a deactivation (admin). Publishes ``structure.updated``."""
    async with ctx.sessions.begin() as session:
        await changes.reactivate(session, caller, siret)
        found = await queries.structure_with_description(session, siret)
    assert found is not None
    return _out(found)
