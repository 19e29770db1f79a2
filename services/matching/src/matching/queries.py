"""Reading leads and evidence (shared by the HTTP API and the `chantiers` commands)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common.events.matching import Lead

from . import evidence_store
from .db import leads
from .evidence import SegmentEvidence
from .pg import raw
from .weights import Rules


@dataclass(frozen=True)
class LeadFilter:
    siret: str | None = None
    kind: str | None = None
    min_score: int | None = None
    open_only: bool = True


@dataclass(frozen=True)
class LeadPage:
    total: int
    items: list[Lead]


def _where(f: LeadFilter, now: datetime) -> list:  # type: ignore[type-arg]
    clauses = []
    if f.siret:
        clauses.append(leads.c.structure_siret == f.siret)
    if f.kind:
        clauses.append(leads.c.kind == f.kind)
    if f.min_score is not None:
        clauses.append(leads.c.score >= f.min_score)
    if f.open_only:
        # Active, and not past its deadline (the sweep withdraws those, every minute).
        clauses.append(leads.c.status == "active")
        deadline = cast(leads.c.data["deadline"].astext, DateTime(timezone=True))
        clauses.append(or_(leads.c.data["deadline"].astext.is_(None), deadline >= now))
    return clauses


async def find_leads(
    session: AsyncSession, f: LeadFilter, *, now: datetime, offset: int = 0, limit: int = 50
) -> LeadPage:
    """Best first: score, then the most recently changed, then the id (a stable order
    for pagination)."""
    where = _where(f, now)
    total = await session.scalar(select(func.count()).select_from(leads).where(*where)) or 0
    rows = (
        await session.execute(
            select(leads.c.data).where(*where)
            .order_by(leads.c.score.desc(), leads.c.updated_at.desc(), leads.c.id)
            .offset(offset).limit(limit)
        )
    ).all()
    return LeadPage(total, [Lead.model_validate(r.data) for r in rows])


async def get_lead(session: AsyncSession, lead_id: str) -> tuple[Lead, str] | None:
    row = (await session.execute(select(leads.c.data, leads.c.status)
                                 .where(leads.c.id == lead_id))).first()
    return (Lead.model_validate(row.data), row.status) if row else None


async def evidence(session: AsyncSession, rules: Rules) -> list[SegmentEvidence]:
    """Every segment with answers, the most answered first."""
    segments = await evidence_store.all_segments(await raw(session), rules)
    segments = [s for s in segments if s.answers]
    return sorted(segments, key=lambda s: (-s.answers, s.segment.sector,
                                           s.segment.naf_division, s.segment.department))
