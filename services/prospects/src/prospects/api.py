"""HTTP API of the prospects service: tenders and companies, filtered and paged.

Routes only translate HTTP to ``queries``. Bad parameters are refused by FastAPI with a
422 that names the parameter and says why (pattern, bounds); a text search with nothing
searchable in it is refused the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError

from chantiers_common.events.prospects import Company, Tender
from chantiers_common.paging import Offset
from chantiers_common.service import ServiceContext, service_context

from .queries import (
    CompanyFilter,
    TenderFilter,
    find_companies,
    find_tenders,
    get_tender,
    search_query,
)

router = APIRouter(tags=["prospects"])
Ctx = Annotated[ServiceContext, Depends(service_context)]

DEPARTMENT = r"^(0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-8]|98[4-9])$"
Department = Annotated[str | None, Query(
    pattern=DEPARTMENT, description="INSEE department code: 69, 2A, 974…")]
Text = Annotated[str | None, Query(
    min_length=2, max_length=200,
    description="Words to find (accents ignored; each word also as a prefix)")]
LOCK_NOT_AVAILABLE = "55P03"
Limit = Annotated[int, Query(ge=1, le=200)]


class TenderPage(BaseModel):
    total: int = Field(description="Tenders matching the filters, all pages together")
    offset: int
    limit: int
    items: list[Tender]


class TenderDetail(BaseModel):
    tender: Tender
    source: str | None = Field(None, description="File or feed the notice was loaded from")
    first_seen: datetime
    last_changed: datetime


class CompanyPage(BaseModel):
    total: int = Field(description="Establishments matching the filters, all pages together")
    offset: int
    limit: int
    items: list[Company]


def _words(q: str | None) -> str | None:
    if q is None:
        return None
    query = search_query(q)
    if query is None:
        raise RequestValidationError([{
            "type": "value_error", "loc": ("query", "q"), "input": q,
            "msg": "Value error, no word to search for (letters or digits expected)",
        }])
    return query


@router.get("/tenders", response_model=TenderPage)
async def list_tenders(
    ctx: Ctx,
    department: Department = None,
    cpv: Annotated[str | None, Query(
        pattern=r"^\d{2,8}$", description="CPV code or prefix of one: 77, 7731, 77310000")] = None,
    open: Annotated[bool, Query(
        description="Only tenders whose response deadline has not passed")] = False,
    q: Text = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> TenderPage:
    """Tenders, most recently published first."""
    where = TenderFilter(department=department, cpv=cpv, text=_words(q),
                         open_at=datetime.now(UTC) if open else None)
    async with ctx.sessions() as session:
        page = await find_tenders(session, where, offset=offset, limit=limit)
    return TenderPage(total=page.total, offset=offset, limit=limit, items=page.items)


@router.get("/tenders/{idweb}", response_model=TenderDetail,
            responses={404: {"description": "No tender with this idweb"}})
async def read_tender(
    ctx: Ctx,
    idweb: Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,40}$",
                               description="BOAMP notice id, e.g. 24-12345")],
) -> TenderDetail:
    """One tender as parsed from its notice (every schema gives the same model)."""
    async with ctx.sessions() as session:
        found = await get_tender(session, idweb)
    if found is None:
        raise HTTPException(404, f"Aucun avis {idweb}")
    return TenderDetail(tender=found.tender, source=found.source,
                        first_seen=found.first_seen, last_changed=found.last_changed)


@router.get("/companies", response_model=CompanyPage,
            responses={503: {"description": "The first load of companies is in progress"}})
async def list_companies(
    ctx: Ctx,
    department: Department = None,
    naf: Annotated[str | None, Query(
        pattern=r"^\d{2}(\.\d{1,2}[A-Z]?)?$",
        description="NAF rev2 code or prefix of one: 81, 81.3, 81.30Z")] = None,
    q: Text = None,
    active: Annotated[bool, Query(
        description="Only active establishments (false: closed ones too)")] = True,
    offset: Offset = 0,
    limit: Limit = 50,
) -> CompanyPage:
    """Establishments in SIRET order."""
    where = CompanyFilter(department=department, naf=naf, text=_words(q), active_only=active)
    try:
        async with ctx.sessions() as session, session.begin():
            page = await find_companies(session, where, offset=offset, limit=limit)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise HTTPException(
            503, "Premier chargement des entreprises en cours : réessayez dans un moment",
            headers={"Retry-After": "30"},
        ) from None
    return CompanyPage(total=page.total, offset=offset, limit=limit, items=page.items)
