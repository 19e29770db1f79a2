"""What a search of the registry asks for, checked before any query runs.

Every filter is optional; they add up (AND). ``near`` is a point written ``lat,lon``
(WGS84 degrees, as a map gives it) and needs ``radius_km``; results are then sorted
nearest first and carry their distance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chantiers_common.events.common_types import GeoPoint
from chantiers_common.http_problems import has_nul

from .reference import SectorTaxonomy, Territories
from .siae_file import KNOWN_KINDS
from .validation import (
    FieldError,
    ValidationFailed,
    check_department,
    check_radius,
    check_sector,
)

MAX_PAGE = 500


@dataclass(frozen=True)
class SearchFilter:
    department: str | None = None
    kind: str | None = None
    sector: str | None = None
    text: str | None = None
    near: GeoPoint | None = None
    radius_km: float | None = None
    active: bool | None = True


def parse_point(value: str, field: str = "near") -> GeoPoint:
    parts = [part.strip() for part in value.split(",")]
    try:
        if len(parts) != 2:
            raise ValueError
        lat, lon = float(parts[0]), float(parts[1])
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise ValueError
    except ValueError:
        raise FieldError(field, "point.malformed",
                         f"point illisible « {value} » (attendu : latitude,longitude en "
                         "degrés décimaux, par exemple 47.32,5.04)") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise FieldError(field, "point.out_of_bounds",
                         f"point hors bornes « {value} » (latitude entre -90 et 90, "
                         "longitude entre -180 et 180)")
    return GeoPoint(lat=lat, lon=lon)


def search_filter(*, department: str | None = None, kind: str | None = None,
                  sector: str | None = None, q: str | None = None, near: str | None = None,
                  radius_km: float | None = None, active: bool | None = True,
                  taxonomy: SectorTaxonomy | None = None,
                  territories: Territories | None = None) -> SearchFilter:
    """The filter, every wrong parameter reported at once."""
    errors: list[FieldError] = []

    def collect(check, *args):  # type: ignore[no-untyped-def]
        try:
            return check(*args)
        except FieldError as error:
            errors.append(error)
            return None

    if department is not None:
        department = collect(check_department, department, "department", territories)
    if kind is not None:
        kind = kind.strip().upper()
        if kind not in KNOWN_KINDS:
            errors.append(FieldError("kind", "kind.unknown",
                                     f"type de structure inconnu « {kind} » (attendu : "
                                     + ", ".join(sorted(KNOWN_KINDS)) + ")"))
    if sector is not None:
        sector = collect(check_sector, sector, "sector", taxonomy)
    point = collect(parse_point, near, "near") if near is not None else None
    if near is not None and radius_km is None:
        errors.append(FieldError("radius_km", "radius.missing",
                                 "un rayon en km est obligatoire avec « near »"))
    elif radius_km is not None:
        if near is None:
            errors.append(FieldError("near", "near.missing",
                                     "« radius_km » demande un point « near » (lat,lon)"))
        radius_km = collect(check_radius, radius_km, "radius_km")
    text = q.strip() if q else None
    if has_nul(text):
        errors.append(FieldError("q", "q.nul_character",
                                 "caractère NUL (U+0000) interdit dans la recherche"))
    if errors:
        raise ValidationFailed(errors)
    return SearchFilter(department=department, kind=kind, sector=sector, text=text or None,
                        near=point, radius_km=radius_km, active=active)
