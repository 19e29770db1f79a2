"""Can an activity serve a prospect? Where (area), and how (service type).

Missing values are unknown, not mismatches: a tender with departments but no coordinates
is eligible for a radius activity of the same department, and the distance component
says the distance is unknown. A place that is entirely unknown (title-only notices,
"Lieu d'exécution non précisé") would otherwise be eligible everywhere, a lead for every
activity in France: it is eligible only for activities that serve all of France, with no
points for distance and a reason that says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chantiers_common.events.common_types import ServiceType
from chantiers_common.events.structures import AreaKind

from .catalog import ActivityEntry
from .places import Place, distance_km


@dataclass(frozen=True, slots=True)
class AreaFit:
    eligible: bool
    distance_km: float | None
    reason: str
    place_known: bool = True


def area_fit(a: ActivityEntry, place: Place, *, france_radius_km: float | None = None,
             ) -> AreaFit:
    """``france_radius_km``: companies are local prospects; for them an activity serving
    all of France reaches this far around the structure (its department when the
    structure has no coordinates)."""
    if place.unknown:
        if a.area_kind is AreaKind.FRANCE and france_radius_km is None:
            return AreaFit(True, None, "Lieu d'exécution non précisé : distance inconnue "
                           "(votre zone couvre toute la France)", place_known=False)
        return AreaFit(False, None, "Lieu d'exécution non précisé", place_known=False)
    d = distance_km(a.lat, a.lon, place.lat, place.lon)
    kind = a.area_kind
    if kind is AreaKind.FRANCE:
        if france_radius_km is None:
            return AreaFit(True, d, _km(d, "toute la France"))
        return _radius(a, place, d, france_radius_km)
    if kind is AreaKind.RADIUS:
        return _radius(a, place, d, a.radius_km or 0.0)
    if kind is AreaKind.COMMUNES and place.commune:
        ok = place.commune in a.communes
        return AreaFit(ok, d, _km(d, "dans vos communes") if ok else "Hors de vos communes")
    hit = set(place.all_departments()) & a.departments
    if not hit:
        return AreaFit(False, d, "Hors de vos départements")
    codes = ", ".join(sorted(hit))
    where = "dans votre région" if kind is AreaKind.REGIONS else f"département {codes}"
    if kind is AreaKind.COMMUNES:
        where = f"commune non précisée, département {codes} de vos communes"
    return AreaFit(True, d, _km(d, where))


def _radius(a: ActivityEntry, place: Place, d: float | None, radius: float) -> AreaFit:
    if d is not None:
        if d <= radius:
            return AreaFit(True, d, f"À {d:.0f} km de votre structure (rayon de {radius:.0f} km)")
        return AreaFit(False, d, f"À {d:.0f} km, au-delà de votre rayon de {radius:.0f} km")
    if a.structure_department and a.structure_department in place.all_departments():
        return AreaFit(True, None, f"Dans votre département ({a.structure_department}), "
                       "distance non précisée")
    return AreaFit(False, None, "Hors de votre zone")


def _km(d: float | None, where: str) -> str:
    if d is None:
        return f"Zone d'intervention : {where} (distance non précisée)"
    return f"À {d:.0f} km de votre structure ({where})"


# BOAMP market type → the service types that can deliver it.
_SERVICE_TYPES = {
    "SERVICES": {ServiceType.SERVICE.value, ServiceType.STAFF_PROVISION.value},
    "TRAVAUX": {ServiceType.SERVICE.value, ServiceType.STAFF_PROVISION.value},
    "FOURNITURES": {ServiceType.GOODS.value},
}


def wanted_service_types(market_types: Iterable[str]) -> frozenset[str]:
    wanted: set[str] = set()
    for market_type in market_types:
        wanted |= _SERVICE_TYPES.get(market_type.upper(), set())
    return frozenset(wanted)


def service_type_fits(wanted: frozenset[str], a: ActivityEntry) -> bool:
    """An unknown market type is not a mismatch."""
    return not wanted or bool(wanted & a.service_types)
