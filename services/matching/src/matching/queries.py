"""Reading leads (shared by the HTTP API and the `chantiers leads` command)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common.events.matching import Lead

from .db import leads


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
        clauses.append(leads.c.status == "active")
        deadline = leads.c.data["deadline"].astext
        clauses.append(or_(deadline.is_(None), deadline >= now.isoformat()))
    return clauses


async def find_leads(
    session: AsyncSession, f: LeadFilter, *, now: datetime, offset: int = 0, limit: int = 50
) -> LeadPage:
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
