"""HTTP API of the matching service: leads, best first, with their score breakdown."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from chantiers_common.events.matching import Lead
from chantiers_common.service import ServiceContext, service_context

from .queries import LeadFilter, find_leads, get_lead

router = APIRouter(tags=["leads"])
Ctx = Annotated[ServiceContext, Depends(service_context)]


class LeadPageOut(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[Lead]


class LeadOut(BaseModel):
    status: Literal["active", "withdrawn"]
    lead: Lead


@router.get("/leads", response_model=LeadPageOut)
async def list_leads(
    ctx: Ctx,
    siret: Annotated[str | None, Query(pattern=r"^\d{14}$")] = None,
    kind: Literal["tender", "award", "company"] | None = None,
    min_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    open: bool = True,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> LeadPageOut:
    """Leads, best first (score, then most recent)."""
    async with ctx.sessions() as session:
        page = await find_leads(session, LeadFilter(siret, kind, min_score, open),
                                now=datetime.now(UTC), offset=offset, limit=limit)
    return LeadPageOut(total=page.total, offset=offset, limit=limit, items=page.items)


@router.get("/leads/{lead_id}", response_model=LeadOut)
async def read_lead(ctx: Ctx, lead_id: str) -> LeadOut:
    """One lead with its full score breakdown."""
    async with ctx.sessions() as session:
        found = await get_lead(session, lead_id)
    if found is None:
        raise HTTPException(404, f"no lead {lead_id}")
    return LeadOut(lead=found[0], status=found[1])  # type: ignore[arg-type]
