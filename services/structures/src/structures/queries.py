"""Reading the registry: one structure, and searches done in PostgreSQL.

Distances use the ``earthdistance`` extension: ``earth_box`` (a cube around the point,
answered by the GiST index on each structure's ``ll_to_earth(lat, lon)``) narrows the
candidates, ``earth_distance`` keeps those truly within the radius and sorts them. Text
is matched without case nor accents (``unaccent``) in the name, brand, city and
description; a few thousand rows need no text index.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from chantiers_common.events.structures import Structure

from .db import activities, structures
from .lifecycle import Status
from .search import SearchFilter


@dataclass(frozen=True)
class Found:
    structure: Structure
    description: str | None
    distance_km: float | None = None


@dataclass(frozen=True)
class Page:
    total: int
    items: list[Found]


async def structure_with_description(session: AsyncSession, siret: str) -> Found | None:
    row = (await session.execute(select(structures.c.data, structures.c.description)
                                 .where(structures.c.siret == siret))).first()
    return None if row is None else Found(Structure.model_validate(row.data), row.description)


async def search_structures(session: AsyncSession, where: SearchFilter, *, offset: int,
                            limit: int) -> Page:
    conditions = _conditions(where)
    distance: ColumnElement[Any] | None = None
    if where.near is not None:
        distance = func.earth_distance(_origin(where), _point()) / 1000.0
    total = await session.scalar(select(func.count()).select_from(structures)
                                 .where(*conditions)) or 0
    columns = [structures.c.data, structures.c.description]
    query = select(*columns, *([distance.label("distance_km")] if distance is not None else []))
    query = query.where(*conditions)
    if distance is not None:
        query = query.order_by(distance, structures.c.siret)
    else:
        query = query.order_by(structures.c.name, structures.c.siret)
    rows = (await session.execute(query.offset(offset).limit(limit))).all()
    return Page(total=int(total), items=[
        Found(Structure.model_validate(row.data), row.description,
              round(row.distance_km, 3) if distance is not None else None)
        for row in rows])


def _point() -> ColumnElement[Any]:
    return func.ll_to_earth(structures.c.lat, structures.c.lon)


def _origin(where: SearchFilter) -> ColumnElement[Any]:
    assert where.near is not None
    return func.ll_to_earth(literal(where.near.lat), literal(where.near.lon))


def _conditions(where: SearchFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.active is not None:
        conditions.append(structures.c.active.is_(where.active))
    if where.department is not None:
        conditions.append(structures.c.department == where.department)
    if where.kind is not None:
        conditions.append(structures.c.kind == where.kind)
    if where.sector is not None:
        conditions.append(exists().where(
            activities.c.siret == structures.c.siret, activities.c.sector == where.sector,
            activities.c.status != Status.REJECTED.value))
    if where.text is not None:
        haystack = func.unaccent(func.lower(func.concat_ws(
            " ", structures.c.name, structures.c.brand, structures.c.data["city"].astext,
            structures.c.description)))
        conditions.append(haystack.contains(fold(where.text), autoescape=True))
    if where.near is not None and where.radius_km is not None:
        metres = where.radius_km * 1000.0
        conditions.append(and_(
            # The partial index's own predicate, so that the planner may use it.
            structures.c.lat.is_not(None), structures.c.lon.is_not(None),
            func.earth_box(_origin(where), metres).op("@>")(_point()),
            func.earth_distance(_origin(where), _point()) <= metres,
        ))
    return conditions


def fold(text: str) -> str:
    """Lower case without accents, as ``unaccent(lower(…))`` writes it."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))
