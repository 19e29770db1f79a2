"""Can this activity serve a prospect at that place? (sector and service type are checked
by the caller; this module answers the *where*).

Missing places are unknown, not mismatches: a tender without a location is still eligible
when its departments fit, and the distance component of the score says what is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.structures import Activity, AreaKind
from chantiers_common.geo import haversine_km


@dataclass(frozen=True)
class Place:
    departments: tuple[str, ...] = ()
    commune: str | None = None
    location: GeoPoint | None = None


@dataclass(frozen=True)
class AreaFit:
    eligible: bool
    distance_km: float | None
    reason: str


def _distance(activity: Activity, place: Place) -> float | None:
    here, there = activity.structure_location, place.location
    if here is None or there is None:
        return None
    return haversine_km(here.lat, here.lon, there.lat, there.lon)


def area_fit(activity: Activity, place: Place) -> AreaFit:
    area = activity.area
    distance = _distance(activity, place)
    departments = set(place.departments)
    if area.kind is AreaKind.FRANCE:
        return AreaFit(True, distance, "Zone d'intervention : toute la France")
    if area.kind is AreaKind.DEPARTMENTS:
        hit = departments & set(area.codes)
        reason = _in_departments(hit) if hit else "Hors de vos départements"
        return AreaFit(bool(hit), distance, reason)
    if area.kind is AreaKind.REGIONS:
        hit = departments & set(area.departments)
        return AreaFit(bool(hit), distance, "Dans votre région" if hit else "Hors de votre région")
    if area.kind is AreaKind.COMMUNES:
        if place.commune:
            ok = place.commune in area.codes
            return AreaFit(ok, distance, "Dans vos communes" if ok else "Hors de vos communes")
        hit = departments & {code[:3] if code.startswith("97") else code[:2] for code in area.codes}
        return AreaFit(bool(hit), distance,
                       "Commune non précisée, département de vos communes" if hit
                       else "Hors de vos communes")
    # Radius around the structure.
    radius = area.radius_km or 0.0
    if distance is not None:
        ok = distance <= radius
        return AreaFit(ok, distance, f"À {distance:.0f} km de votre structure" if ok
                       else f"À {distance:.0f} km, au-delà de votre rayon de {radius:.0f} km")
    if activity.structure_department and activity.structure_department in departments:
        return AreaFit(True, None, "Dans votre département (distance non précisée)")
    if not departments and place.location is None:
        return AreaFit(True, None, "Lieu d'exécution non précisé")
    return AreaFit(False, None, "Hors de votre zone")


def _in_departments(hit: set[str]) -> str:
    codes = ", ".join(sorted(hit))
    return f"Dans votre zone (département {codes})"
