"""A company as matching reads it, from an event (``Company``) or a database row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from chantiers_common.events.prospects import Company

from .places import Place

# Columns of the ``companies`` table, in this order everywhere (COPY, unnest, SELECT).
COLUMNS: tuple[str, ...] = (
    "siret", "siren", "name", "enseigne", "naf", "headcount_band", "created_on",
    "commune_insee", "post_code", "department", "lat", "lon", "active", "category", "ess",
    "mission",
)


@dataclass(frozen=True, slots=True)
class CompanyFacts:
    siret: str
    siren: str
    name: str | None
    enseigne: str | None
    naf: str | None
    headcount_band: str | None
    created_on: date | None
    commune_insee: str | None
    post_code: str | None
    department: str | None
    lat: float | None
    lon: float | None
    active: bool
    category: str | None = None
    ess: bool | None = None
    mission: bool | None = None

    @classmethod
    def from_company(cls, company: Company, *, active: bool | None = None) -> CompanyFacts:
        loc = company.location
        return cls(
            company.siret, company.siren, company.name, company.enseigne, company.naf,
            company.headcount_band, company.created_on, company.commune_insee,
            company.post_code, company.department, loc.lat if loc else None,
            loc.lon if loc else None, company.active if active is None else active,
            company.category, company.ess, company.mission,
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CompanyFacts:
        return cls(**{name: row[name] for name in COLUMNS})

    def as_row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in COLUMNS)

    @property
    def display_name(self) -> str:
        return self.enseigne or self.name or f"Établissement {self.siret}"

    @property
    def place(self) -> Place:
        return Place((self.department,) if self.department else (), self.commune_insee,
                     self.lat, self.lon)
