"""HTTP API of the matching service: leads, best first, with their score breakdown, and
the evidence learnt from the field's answers.

Every route needs a bearer token (see ``auth``). The admin token reads everything; a
structure token reads its own structure's leads only: ``GET /leads`` is restricted to its
SIRET (403 for another SIRET), and another structure's lead is a 404 on
``GET /leads/{id}``, exactly as a lead that does not exist, so that lead ids cannot be
probed. ``GET /evidence`` (counts per segment, nothing about any structure or person) is
open to any valid token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from chantiers_common.events.matching import Lead
from chantiers_common.http_problems import ErrorOut, has_nul, problem
from chantiers_common.paging import Offset

from .access import OtherStructure, leads_scope
from .auth import UNAUTHORIZED, Caller, Ctx, principal
from .classification import sector_names
from .queries import LeadFilter, evidence, find_leads, get_lead
from .weights import load_config

router = APIRouter(tags=["leads"], responses=UNAUTHORIZED)


class LeadPageOut(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[Lead]


class LeadOut(BaseModel):
    status: Literal["active", "withdrawn"]
    lead: Lead


class SegmentOut(BaseModel):
    sector: str
    sector_name: str
    naf_division: str
    department: str
    answers: int
    positive: int
    counts: dict[str, int]
    prior_mean: float
    posterior_mean: float
    factor: float
    summary: str


class EvidenceOut(BaseModel):
    prior: dict[str, float]
    segments: list[SegmentOut]


@router.get("/leads", response_model=LeadPageOut, responses={
    403: {"model": ErrorOut, "description": "Jeton d'une autre structure que `siret`"}})
async def list_leads(
    ctx: Ctx,
    caller: Caller,
    siret: Annotated[str | None, Query(pattern=r"^\d{14}$")] = None,
    kind: Literal["tender", "award", "company"] | None = None,
    min_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    open: bool = True,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> LeadPageOut:
    """Leads, best first (score, then most recent). ``open``: only active leads whose
    deadline has not passed (``open=false``: withdrawn ones too). With a structure token,
    that structure's leads only (``siret`` may be left out; another SIRET is a 403)."""
    try:
        scope = leads_scope(caller, siret)
    except OtherStructure as exc:
        raise problem(403, "siret", "token.other_structure",
                      f"ce jeton ne donne pas accès aux pistes de la structure {exc.siret}"
                      ) from None
    async with ctx.sessions() as session:
        page = await find_leads(session, LeadFilter(scope, kind, min_score, open),
                                now=datetime.now(UTC), offset=offset, limit=limit)
    return LeadPageOut(total=page.total, offset=offset, limit=limit, items=page.items)


@router.get("/leads/{lead_id}", response_model=LeadOut, responses={
    404: {"model": ErrorOut,
          "description": "Aucune piste de ce nom, ou une piste d'une autre structure"}})
async def read_lead(ctx: Ctx, caller: Caller, lead_id: str) -> LeadOut:
    """One lead with its full score breakdown (components, points, reasons). Another
    structure's lead is answered as if it did not exist (404, not 403)."""
    found = None
    if not has_nul(lead_id):  # no lead id has one
        async with ctx.sessions() as session:
            found = await get_lead(session, lead_id)
    if found is None or not caller.may_read(found[0].structure_siret):
        raise problem(404, "lead_id", "lead.not_found", f"aucune piste {lead_id}")
    return LeadOut(lead=found[0], status=found[1])  # type: ignore[arg-type]


# Any valid token, whoever it acts for: aggregates, nothing about one structure.
@router.get("/evidence", response_model=EvidenceOut, dependencies=[Depends(principal)])
async def read_evidence(ctx: Ctx) -> EvidenceOut:
    """What the field answered, per segment (sector × NAF division × department), and how
    much it moves the company component of new company leads."""
    rules = load_config().rules
    names = sector_names()
    async with ctx.sessions() as session:
        segments = await evidence(session, rules)
    return EvidenceOut(
        prior={"success": rules.evidence_prior_success, "failure": rules.evidence_prior_failure},
        segments=[SegmentOut(
            sector=s.segment.sector, sector_name=names.get(s.segment.sector, s.segment.sector),
            naf_division=s.segment.naf_division, department=s.segment.department,
            answers=s.answers, positive=s.successes, counts=s.counts,
            prior_mean=round(s.prior_mean, 4), posterior_mean=round(s.posterior_mean, 4),
            factor=round(s.factor(rules.evidence_factor_min, rules.evidence_factor_max), 4),
            summary=s.summary(),
        ) for s in segments],
    )
