"""Reference data: the sector taxonomy (slugs are what activities and filters use)."""

from __future__ import annotations

from fastapi import APIRouter

from ..reference import load_taxonomy
from .errors import ApiRoute
from .models import SectorGroupOut, SectorOut

router = APIRouter(tags=["reference"], route_class=ApiRoute)


@router.get("/sectors", response_model=list[SectorGroupOut])
async def sectors() -> list[SectorGroupOut]:
    """The 20 groups and 154 sectors of the national SIAE marketplace."""
    taxonomy = load_taxonomy()
    return [SectorGroupOut(slug=group.slug, name=group.name, sectors=[
        SectorOut(slug=sector.slug, name=sector.name)
        for sector in taxonomy if sector.group == group]) for group in taxonomy.groups]
