"""Commune positions from the La Poste base of post codes: the fallback location.

The file has one row per (commune, post code, locality) with the commune's position
repeated; we keep one position per INSEE commune code. Positions outside the commune's
own territory are dropped (see ``territories``), so a wrong reference point is never
presented as a company's location.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from chantiers_common.settings import data_dir

from .territories import department_of, inside, territory_of

LAPOSTE_FILE = "reference/laposte_hexasmal_2022_communes_cp_gps.csv"


@dataclass(frozen=True)
class CommuneRow:
    commune: str
    name: str
    post_code: str
    lat: float
    lon: float


@dataclass
class CommuneTable:
    """INSEE commune code → (lat, lon), plus what was left out and why."""

    positions: dict[str, tuple[float, float]]
    rows: list[CommuneRow] = field(default_factory=list, repr=False)
    rejected: dict[str, str] = field(default_factory=dict)

    def get(self, commune: str) -> tuple[float, float] | None:
        return self.positions.get(commune)

    def __len__(self) -> int:
        return len(self.positions)


def read_laposte(path: Path) -> list[CommuneRow]:
    rows: list[CommuneRow] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for rec in csv.DictReader(f, delimiter=";"):
            lat, lon = rec["latitude"].strip(), rec["longitude"].strip()
            if not lat or not lon:
                continue
            rows.append(
                CommuneRow(
                    commune=rec["Code_commune_INSEE"].strip(),
                    name=rec["Nom_commune"].strip(),
                    post_code=rec["Code_postal"].strip(),
                    lat=float(lat),
                    lon=float(lon),
                )
            )
    return rows


def build_table(rows: list[CommuneRow]) -> CommuneTable:
    first: dict[str, CommuneRow] = {}
    for row in rows:
        first.setdefault(row.commune, row)
    codes = list(first)
    lon = np.array([first[c].lon for c in codes])
    lat = np.array([first[c].lat for c in codes])
    territory = np.array([territory_of(department_of(c)) for c in codes], dtype=np.intp)
    ok = inside(lon, lat, territory)
    positions: dict[str, tuple[float, float]] = {}
    rejected: dict[str, str] = {}
    for code, good in zip(codes, ok.tolist(), strict=True):
        row = first[code]
        if good:
            positions[code] = (row.lat, row.lon)
        else:
            rejected[code] = f"position {row.lat}, {row.lon} hors du territoire de la commune"
    return CommuneTable(positions=positions, rows=rows, rejected=rejected)


@lru_cache(maxsize=4)
def load_communes(path: Path | None = None) -> CommuneTable:
    """The table from the reference file (read once per process)."""
    return build_table(read_laposte(path or data_dir() / LAPOSTE_FILE))
