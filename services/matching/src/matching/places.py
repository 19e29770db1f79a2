"""Where a prospect is (a tender's place of execution, a company's establishment), and the
geometry matching needs: distances and a coarse grid of cells for the in-memory index."""

from __future__ import annotations

import math
from dataclasses import dataclass

from chantiers_common.geo import haversine_km

# Grid cells of half a degree (about 55 km north-south, 37 km east-west in France): an
# activity with a radius is filed under every cell its bounding box touches.
CELL_DEG = 0.5
KM_PER_DEG_LAT = 111.2


@dataclass(frozen=True, slots=True)
class Place:
    departments: tuple[str, ...] = ()
    commune: str | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def unknown(self) -> bool:
        """Nothing tells where: no department, commune or coordinates."""
        return not self.departments and self.commune is None and not self.located

    def all_departments(self) -> tuple[str, ...]:
        if self.commune and (dep := commune_department(self.commune)) not in self.departments:
            return (*self.departments, dep)
        return self.departments


def commune_department(insee: str) -> str:
    """INSEE commune code → department (``97411`` → ``974``, ``2A004`` → ``2A``)."""
    return insee[:3] if insee.startswith("97") else insee[:2]


def cell(lat: float, lon: float) -> tuple[int, int]:
    return (math.floor(lat / CELL_DEG), math.floor(lon / CELL_DEG))


def cells_within(lat: float, lon: float, radius_km: float) -> list[tuple[int, int]]:
    """Every cell the bounding box of the circle touches."""
    dlat = radius_km / KM_PER_DEG_LAT
    dlon = radius_km / (KM_PER_DEG_LAT * max(math.cos(math.radians(lat)), 0.05))
    (lat0, lon0), (lat1, lon1) = cell(lat - dlat, lon - dlon), cell(lat + dlat, lon + dlon)
    return [(i, j) for i in range(lat0, lat1 + 1) for j in range(lon0, lon1 + 1)]


def distance_km(lat1: float | None, lon1: float | None, lat2: float | None,
                lon2: float | None) -> float | None:
    if lat1 is None or lon1 is None or lat2 is None or lon2 is None:
        return None
    return haversine_km(lat1, lon1, lat2, lon2)
