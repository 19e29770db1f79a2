"""What matching knows of the structures and their activities, in memory, indexed for
matching a prospect in well under a millisecond.

The catalog is a cache of the database (``catalog_store`` refreshes it): with several
replicas each one consumes only part of the activity events, so it is never fed from the
events this process saw, only from the rows every replica shares.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from chantiers_common.events.structures import Activity, AreaKind, Structure

from .places import Place, cell, cells_within, commune_department


@dataclass(frozen=True, slots=True)
class StructureInfo:
    """What the scoring needs of a structure (its size and its headroom under the cap)."""

    siret: str
    kind: str
    active: bool = True
    department: str | None = None
    headroom_eur: float | None = None
    commercial_revenue_eur: float | None = None
    cap_rate: float = 0.30
    insertion_headcount: int | None = None
    permanent_headcount: int | None = None

    @classmethod
    def from_structure(cls, s: Structure, active: bool) -> StructureInfo:
        return cls(s.siret, s.kind, active, s.department, s.headroom_eur,
                   s.commercial_revenue_eur, s.cap_rate, s.insertion_headcount,
                   s.permanent_headcount)

    @property
    def headcount(self) -> int | None:
        counts = [c for c in (self.insertion_headcount, self.permanent_headcount) if c]
        return sum(counts) if counts else None


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    """An activity as the matcher reads it (sets and coordinates ready)."""

    id: str
    siret: str
    sector: str
    service_types: frozenset[str]
    area_kind: AreaKind
    radius_km: float | None
    communes: frozenset[str]
    # Departments of the area: the codes of a departments area, the covered departments
    # of a regions area, the departments of a communes area.
    departments: frozenset[str]
    lat: float | None
    lon: float | None
    structure_department: str | None
    suggested: bool
    confidence: float | None

    @classmethod
    def from_activity(cls, a: Activity) -> ActivityEntry:
        area = a.area
        if area.kind is AreaKind.DEPARTMENTS:
            departments = frozenset(area.codes) | frozenset(area.departments)
        elif area.kind is AreaKind.COMMUNES:
            departments = frozenset(commune_department(c) for c in area.codes)
        else:
            departments = frozenset(area.departments)
        loc = a.structure_location
        return cls(
            id=a.id, siret=a.structure_siret, sector=a.sector,
            service_types=frozenset(t.value for t in a.service_types),
            area_kind=area.kind, radius_km=area.radius_km,
            communes=frozenset(area.codes) if area.kind is AreaKind.COMMUNES else frozenset(),
            departments=departments,
            lat=loc.lat if loc else None, lon=loc.lon if loc else None,
            structure_department=a.structure_department,
            suggested=a.status == "suggested", confidence=a.confidence,
        )

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


Key = tuple[str, object]


class Catalog:
    """Activities by sector, filed by where they reach, and the structures they belong to.

    Buckets, per sector: ``cell`` (activities with a radius, by the grid cells their circle
    touches; also activities serving all of France, by the cells within the companies'
    radius, see ``company_france_radius_km``), ``dep`` (departments, regions and communes
    areas by department; radius activities by their structure's department, for places
    known only by their department), ``france`` (all of France).
    """

    def __init__(self, company_france_radius_km: float = 50.0) -> None:
        self.version = -1
        self.company_france_radius_km = company_france_radius_km
        self.activities: dict[str, ActivityEntry] = {}
        self.structures: dict[str, StructureInfo] = {}
        self._buckets: dict[Key, dict[str, ActivityEntry]] = defaultdict(dict)
        self._by_structure: dict[str, dict[str, ActivityEntry]] = defaultdict(dict)

    def __len__(self) -> int:
        return len(self.activities)

    # --- changes -------------------------------------------------------------------
    def put_activity(self, entry: ActivityEntry) -> None:
        self.remove_activity(entry.id)
        self.activities[entry.id] = entry
        self._by_structure[entry.siret][entry.id] = entry
        for key in self._keys(entry):
            self._buckets[key][entry.id] = entry

    def remove_activity(self, activity_id: str) -> None:
        old = self.activities.pop(activity_id, None)
        if old is None:
            return
        self._by_structure[old.siret].pop(old.id, None)
        for key in self._keys(old):
            bucket = self._buckets.get(key)
            if bucket is not None:
                bucket.pop(old.id, None)
                if not bucket:
                    del self._buckets[key]

    def put_structure(self, info: StructureInfo) -> None:
        self.structures[info.siret] = info

    def _keys(self, e: ActivityEntry) -> list[Key]:
        s = e.sector
        if e.area_kind is AreaKind.FRANCE:
            keys: list[Key] = [(s, "france")]
            if e.located:
                keys += [(s, ("fcell", c)) for c in cells_within(
                    e.lat, e.lon, self.company_france_radius_km)]  # type: ignore[arg-type]
            elif e.structure_department:
                keys.append((s, ("fdep", e.structure_department)))
            return keys
        if e.area_kind is AreaKind.RADIUS:
            keys = []
            if e.located and e.radius_km:
                keys += [(s, ("cell", c)) for c in cells_within(e.lat, e.lon, e.radius_km)]  # type: ignore[arg-type]
            if e.structure_department:
                keys.append((s, ("dep", e.structure_department)))
            return keys
        return [(s, ("dep", d)) for d in e.departments]

    # --- reading -------------------------------------------------------------------
    def structure(self, siret: str) -> StructureInfo | None:
        return self.structures.get(siret)

    def structure_active(self, siret: str) -> bool:
        """An activity may arrive before its structure: unknown counts as active."""
        info = self.structures.get(siret)
        return info is None or info.active

    def siae_sirets(self) -> Iterable[str]:
        return self.structures.keys()

    def of_structure(self, siret: str) -> list[ActivityEntry]:
        return list(self._by_structure.get(siret, {}).values())

    def near(self, sector: str, place: Place, *, for_company: bool = False,
             ) -> list[ActivityEntry]:
        """Activities of ``sector`` that may reach ``place`` (a superset: the caller
        checks each with ``eligibility.area_fit``)."""
        found: dict[str, ActivityEntry] = {}
        buckets = self._buckets
        keys: list[Key] = []
        if place.located:
            c = cell(place.lat, place.lon)  # type: ignore[arg-type]
            keys.append((sector, ("cell", c)))
            if for_company:
                keys.append((sector, ("fcell", c)))
        for dep in place.all_departments():
            keys.append((sector, ("dep", dep)))
            if for_company:
                keys.append((sector, ("fdep", dep)))
        if not for_company:
            keys.append((sector, "france"))
        for key in keys:
            bucket = buckets.get(key)
            if bucket:
                found.update(bucket)
        return list(found.values())
