"""Which event a changed company publishes (plain rules, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chantiers_common.events import Contract
from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.prospects import (
    Company,
    CompanyClosed,
    CompanyRegistered,
    CompanyUpdated,
)

from .sirene import COPY_COLUMNS


def delta_event(*, inserted: bool, active: bool, was_active: bool | None) -> type[Contract]:
    """The event of one new or changed establishment.

    A closure is news once: a new closed establishment (kept with ``--all``) or a known
    active one that closed. A closed one that changes again, or one that reopens, is an
    update.
    """
    if not active and (inserted or was_active):
        return CompanyClosed
    if inserted:
        return CompanyRegistered
    return CompanyUpdated


def company_from_row(values: Mapping[str, Any]) -> Company:
    """A ``Company`` from a row holding ``COPY_COLUMNS`` (lat/lon → location)."""
    fields = {name: values[name] for name in COPY_COLUMNS if name not in ("lat", "lon")}
    lat, lon = values["lat"], values["lon"]
    fields["location"] = GeoPoint(lat=lat, lon=lon) if lat is not None and lon is not None else None
    return Company(**fields)


def copy_row(company: Company) -> tuple[Any, ...]:
    """The inverse: a company (from an API) as a row in ``COPY_COLUMNS`` order."""
    values = company.model_dump(exclude={"location"})
    values["lat"] = company.location.lat if company.location else None
    values["lon"] = company.location.lon if company.location else None
    return tuple(values[name] for name in COPY_COLUMNS)
