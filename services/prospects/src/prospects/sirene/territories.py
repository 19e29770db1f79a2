"""French territories as SIRENE sees them: department from commune code, projection, extent.

SIRENE's ``coordonneeLambert*Etablissement`` columns are in the legal projection of each
territory: the systems IGN lists as legal (IGN, *Systèmes de référence de coordonnées
usités en France*), which is also the table the Annuaire des entreprises (data.gouv.fr,
``search-infra``) uses to read these columns:

=====================================  ==========  =======================================
territory (department from commune)    EPSG        system
=====================================  ==========  =======================================
mainland France and Corsica            2154        RGF93 / Lambert-93
Guadeloupe 971, Martinique 972,        5490        RGAF09 / UTM zone 20N
Saint-Barthélemy 977, Saint-Martin 978
Guyane 973                             2972        RGFG95 / UTM zone 22N
La Réunion 974                         2975        RGR92 / UTM zone 40S
Saint-Pierre-et-Miquelon 975           4467        RGSPM06 / UTM zone 21N
Mayotte 976                            4471        RGM04 / UTM zone 38S
Nouvelle-Calédonie 988                 3163        RGNC91-93 / Lambert New Caledonia
=====================================  ==========  =======================================

Older tools read the Antilles with EPSG:4559 (RRAF 1991 / UTM 20N): same ellipsoid and
zone, the difference is below a metre. Polynesia (987), Wallis-et-Futuna (986) and the
other overseas collectivities have no single documented system here: their coordinates
are not converted and the commune's position is used instead.

Each territory also has a bounding box (lon/lat, with a small margin): a converted or
given point outside its own territory is wrong (swapped axes, zeros, wrong system) and
is not used. The same check rejects reference communes with misplaced coordinates (the
2022 La Poste file places Saint-Barthélemy and Saint-Martin at Saint-Pierre-et-Miquelon).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Territory:
    name: str
    epsg: int  # 0: no known projection for SIRENE's coordinates there
    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float


# Index 0 is "unknown" (no department): it converts nothing and contains no point.
TERRITORIES: tuple[Territory, ...] = (
    Territory("inconnu", 0, np.nan, np.nan, np.nan, np.nan),
    Territory("France métropolitaine", 2154, -5.3, 41.3, 9.7, 51.2),
    Territory("Guadeloupe", 5490, -61.9, 15.8, -60.95, 16.55),
    Territory("Martinique", 5490, -61.3, 14.35, -60.75, 14.9),
    Territory("Guyane", 2972, -54.7, 2.05, -51.55, 5.85),
    Territory("La Réunion", 2975, 55.15, -21.45, 55.9, -20.8),
    Territory("Saint-Pierre-et-Miquelon", 4467, -56.5, 46.7, -56.05, 47.2),
    Territory("Mayotte", 4471, 44.9, -13.1, 45.35, -12.55),
    Territory("Saint-Barthélemy", 5490, -62.97, 17.85, -62.76, 17.99),
    Territory("Saint-Martin", 5490, -63.17, 18.0, -62.95, 18.14),
    Territory("Nouvelle-Calédonie", 3163, 163.0, -23.0, 169.0, -19.0),
    Territory("Polynésie française", 0, -155.0, -28.0, -134.0, -7.0),
    Territory("Wallis-et-Futuna", 0, -178.3, -14.5, -176.0, -13.0),
)
_OVERSEAS_INDEX = {
    "971": 2,
    "972": 3,
    "973": 4,
    "974": 5,
    "975": 6,
    "976": 7,
    "977": 8,
    "978": 9,
    "988": 10,
    "987": 11,
    "986": 12,
}
MAINLAND = 1


def _department_by_prefix() -> dict[str, str]:
    """Department of a commune code, keyed by its first three characters.

    One dict lookup per row instead of string tests: 01–95 (not 20) and 2A/2B on two
    characters, overseas departments and collectivities on three.
    """
    table: dict[str, str] = {}
    for d in range(1, 96):
        if d == 20:
            continue
        for u in "0123456789":
            table[f"{d:02d}{u}"] = f"{d:02d}"
    for corsica in ("2A", "2B"):
        for u in "0123456789":
            table[corsica + u] = corsica
    for overseas in (
        "971",
        "972",
        "973",
        "974",
        "975",
        "976",
        "977",
        "978",
        "984",
        "986",
        "987",
        "988",
        "989",
    ):
        table[overseas] = overseas
    return table


DEPARTMENT_BY_PREFIX: dict[str, str] = _department_by_prefix()
TERRITORY_BY_DEPARTMENT: dict[str, int] = {
    d: _OVERSEAS_INDEX.get(d, MAINLAND if len(d) == 2 else 0)
    for d in set(DEPARTMENT_BY_PREFIX.values())
}

EPSG = np.array([t.epsg for t in TERRITORIES], dtype=np.int32)
LON_MIN = np.array([t.lon_min for t in TERRITORIES])
LAT_MIN = np.array([t.lat_min for t in TERRITORIES])
LON_MAX = np.array([t.lon_max for t in TERRITORIES])
LAT_MAX = np.array([t.lat_max for t in TERRITORIES])


def department_of(commune: str | None) -> str | None:
    """INSEE department of a commune code (``2A004`` → ``2A``, ``97411`` → ``974``)."""
    if not commune:
        return None
    return DEPARTMENT_BY_PREFIX.get(commune[:3])


def territory_of(department: str | None) -> int:
    """Index in TERRITORIES (0 when the department is unknown)."""
    return TERRITORY_BY_DEPARTMENT.get(department, 0) if department else 0


def inside(lon: np.ndarray, lat: np.ndarray, territory: np.ndarray) -> np.ndarray:
    """Whether each point lies in its own territory's box (NaN points never do)."""
    with np.errstate(invalid="ignore"):
        return (
            (lon >= LON_MIN[territory])
            & (lon <= LON_MAX[territory])
            & (lat >= LAT_MIN[territory])
            & (lat <= LAT_MAX[territory])
        )
