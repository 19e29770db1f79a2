"""Companies in the database: set-based upserts (one statement per batch, however large)
and the candidates of a backfill (NAF codes first, then a box of latitudes or some
departments, on the partial indexes of active companies)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from .company_facts import COLUMNS, CompanyFacts
from .places import KM_PER_DEG_LAT

_TYPES = {
    "created_on": "date", "lat": "float8", "lon": "float8", "active": "bool", "ess": "bool",
    "mission": "bool",
}
_ARRAYS = ", ".join(f"${i + 1}::{_TYPES.get(name, 'text')}[]" for i, name in enumerate(COLUMNS))
_SET = ", ".join(f"{name} = excluded.{name}" for name in COLUMNS if name != "siret")
_SELECT = ", ".join(COLUMNS)

_UPSERT = f"""
INSERT INTO companies AS c ({_SELECT}, updated_at)
SELECT {_SELECT}, ${len(COLUMNS) + 1}
FROM unnest({_ARRAYS}) AS t({_SELECT}) ORDER BY siret
ON CONFLICT (siret) DO UPDATE SET {_SET}, updated_at = excluded.updated_at
WHERE c.updated_at <= excluded.updated_at
RETURNING c.siret
"""


async def save_companies(conn: asyncpg.Connection, companies: Sequence[CompanyFacts],
                         at: datetime) -> set[str]:
    """Upsert in one statement; returns the SIRETs stored (an event older than the stored
    row changes nothing, and must not change the leads either)."""
    if not companies:
        return set()
    latest = {c.siret: c for c in companies}  # a batch may name an establishment twice
    columns = list(zip(*(c.as_row() for c in latest.values()), strict=True))
    rows = await conn.fetch(_UPSERT, *columns, at)
    return {r["siret"] for r in rows}


async def by_siret(conn: asyncpg.Connection, sirets: Sequence[str]) -> list[CompanyFacts]:
    rows = await conn.fetch(
        f"SELECT {_SELECT} FROM companies WHERE siret = ANY($1::text[]) AND active"
        " ORDER BY siret FOR SHARE", list(sirets))
    return [CompanyFacts.from_row(r) for r in rows]


async def one(conn: asyncpg.Connection, siret: str) -> CompanyFacts | None:
    row = await conn.fetchrow(f"SELECT {_SELECT} FROM companies WHERE siret = $1", siret)
    return CompanyFacts.from_row(row) if row else None


async def near(conn: asyncpg.Connection, naf_codes: Sequence[str], lat: float, lon: float,
               radius_km: float) -> list[CompanyFacts]:
    """Active companies of these NAF codes in the box around a circle (the caller keeps
    those inside the circle). Locked against a concurrent closure until the caller's
    transaction ends."""
    dlat = radius_km / KM_PER_DEG_LAT
    dlon = radius_km / (KM_PER_DEG_LAT * max(math.cos(math.radians(lat)), 0.05))
    rows = await conn.fetch(
        f"""
        SELECT {_SELECT} FROM companies
        WHERE active AND naf = ANY($1::text[]) AND lat BETWEEN $2 AND $3
          AND lon BETWEEN $4 AND $5
        ORDER BY siret FOR SHARE
        """,
        list(naf_codes), lat - dlat, lat + dlat, lon - dlon, lon + dlon)
    return [CompanyFacts.from_row(r) for r in rows]


async def in_departments(conn: asyncpg.Connection, naf_codes: Sequence[str],
                         departments: Sequence[str]) -> list[CompanyFacts]:
    rows = await conn.fetch(
        f"""
        SELECT {_SELECT} FROM companies
        WHERE active AND naf = ANY($1::text[]) AND department = ANY($2::text[])
        ORDER BY siret FOR SHARE
        """,
        list(naf_codes), list(departments))
    return [CompanyFacts.from_row(r) for r in rows]
