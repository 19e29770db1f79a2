"""Reading tenders and companies for the API: filters, text search, pages with a total."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    func,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common.events.prospects import Company, Tender

from .company_events import company_from_row
from .db import (
    COMPANY_SEARCH_CONFIG,
    COMPANY_SEARCH_VECTOR,
    TENDER_SEARCH_CONFIG,
    TENDER_SEARCH_VECTOR,
    companies,
    tenders,
)

T = TypeVar("T")
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8


def search_query(words: str) -> str | None:
    """The ``to_tsquery`` text for what a person typed: every word, each also as a prefix
    ("nettoy" finds "nettoyage"), all required. None when nothing searchable is left.

    Only letters and digits reach PostgreSQL's query syntax (quoted), so no input can
    make ``to_tsquery`` fail.
    """
    found = _WORD.findall(words.replace("_", " "))[:MAX_WORDS]
    if not found:
        return None
    return " & ".join(f"'{word.lower()}':*" for word in found)


@dataclass(frozen=True)
class Page(Generic[T]):
    total: int
    items: list[T]


@dataclass(frozen=True)
class TenderFilter:
    department: str | None = None
    cpv: str | None = None  # a prefix of CPV digits: "7731" finds 77310000, 77314000…
    open_at: datetime | None = None  # only tenders whose deadline is not past at this time
    text: str | None = None  # already turned into a tsquery by search_query


@dataclass(frozen=True)
class CompanyFilter:
    department: str | None = None
    naf: str | None = None  # a prefix of a NAF rev2 code: "81", "81.3", "81.30Z"
    text: str | None = None
    active_only: bool = True


def _tender_conditions(f: TenderFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.department:
        # departments @> ARRAY[...]: the GIN index answers it.
        departments = type_coerce(tenders.c.departments, postgresql.ARRAY(Text))
        conditions.append(departments.contains([f.department]))
    if f.cpv:
        conditions.append(text(
            "EXISTS (SELECT 1 FROM unnest(tenders.cpv_codes) AS cpv(code)"
            " WHERE cpv.code LIKE :cpv_prefix || '%')"
        ).bindparams(cpv_prefix=f.cpv.replace("%", "").replace("_", "")))
    if f.open_at is not None:
        conditions.append(tenders.c.deadline >= f.open_at)
    if f.text:
        conditions.append(text(
            f"{TENDER_SEARCH_VECTOR} @@ to_tsquery('{TENDER_SEARCH_CONFIG}', :tender_query)"
        ).bindparams(tender_query=f.text))
    return conditions


def _company_conditions(f: CompanyFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.department:
        conditions.append(companies.c.department == f.department)
    if f.naf:
        conditions.append(companies.c.naf.startswith(f.naf, autoescape=True))
    if f.active_only:
        conditions.append(companies.c.active.is_(True))
    if f.text:
        conditions.append(text(
            f"{COMPANY_SEARCH_VECTOR} @@ to_tsquery('{COMPANY_SEARCH_CONFIG}', :company_query)"
        ).bindparams(company_query=f.text))
    return conditions


async def _page(
    session: AsyncSession, query: Select[Any], conditions: list[ColumnElement[bool]],
    offset: int, limit: int,
) -> tuple[int, list[Any]]:
    where = and_(True, *conditions)
    total = await session.scalar(
        select(func.count()).select_from(query.where(where).subquery())
    )
    rows = (await session.execute(query.where(where).offset(offset).limit(limit))).all()
    return int(total or 0), rows


async def find_tenders(
    session: AsyncSession, f: TenderFilter, *, offset: int, limit: int
) -> Page[Tender]:
    """Most recently published first (then by idweb, so that pages never overlap)."""
    query = select(tenders.c.data).order_by(
        tenders.c.published_on.desc().nulls_last(), tenders.c.idweb
    )
    total, rows = await _page(session, query, _tender_conditions(f), offset, limit)
    return Page(total, [Tender.model_validate(row.data) for row in rows])


@dataclass(frozen=True)
class TenderRecord:
    tender: Tender
    source: str | None
    first_seen: datetime
    last_changed: datetime


async def get_tender(session: AsyncSession, idweb: str) -> TenderRecord | None:
    row = (await session.execute(
        select(tenders.c.data, tenders.c.source, tenders.c.created_at, tenders.c.updated_at)
        .where(tenders.c.idweb == idweb)
    )).one_or_none()
    if row is None:
        return None
    return TenderRecord(Tender.model_validate(row.data), row.source, row.created_at,
                        row.updated_at)


_COMPANY_COLUMNS = [c for c in companies.c if c.name not in
                    ("fingerprint", "source", "created_at", "updated_at")]


async def find_companies(
    session: AsyncSession, f: CompanyFilter, *, offset: int, limit: int
) -> Page[Company]:
    """In SIRET order (stable pages). Waits at most a few seconds for the table: during
    the very first load it is locked (see ``company_ingest``), and callers get
    ``LoadInProgress`` rather than a request that hangs."""
    await session.execute(text("SET LOCAL lock_timeout = '3s'"))
    query = select(*_COMPANY_COLUMNS).order_by(companies.c.siret)
    total, rows = await _page(session, query, _company_conditions(f), offset, limit)
    return Page(total, [company_from_row(row._mapping) for row in rows])
