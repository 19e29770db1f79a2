"""Projections per territory, the commune fallback and the territory checks."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from prospects.sirene.communes import load_communes
from prospects.sirene.projection import projected_to_wgs84, to_wgs84_transformer
from prospects.sirene.territories import department_of, territory_of

GEOD = Geod(ellps="GRS80")


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def convert(x: float, y: float, department: str) -> tuple[float, float]:
    territory = np.array([territory_of(department)], dtype=np.intp)
    lon, lat = projected_to_wgs84(np.array([x]), np.array([y]), territory)
    return float(lon[0]), float(lat[0])


def test_lambert93_known_points() -> None:
    # The projection's own origin: x0 = 700 000, y0 = 6 600 000 at 3°E, 46°30'N.
    lon, lat = convert(700_000.0, 6_600_000.0, "03")
    assert distance_m(lon, lat, 3.0, 46.5) < 1
    # 20 avenue de Ségur, Paris: (649 242.57, 6 861 355.85) ↔ 2.308310, 48.850244
    # (the example of Etalab's project-legal library).
    lon, lat = convert(649_242.57, 6_861_355.85, "75")
    assert distance_m(lon, lat, 2.308310, 48.850244) < 1


def test_antilles_use_utm_20n() -> None:
    # On UTM zone 20's central meridian (63°W, which crosses Saint-Martin) x is 500 000.
    lon, lat = convert(500_000.0, 2_000_000.0, "978")
    assert lon == pytest.approx(-63.0, abs=1e-9)
    assert 18.0 < lat < 18.14
    # The same numbers read as Lambert-93 land nowhere near: no location rather than a
    # wrong one.
    lon, _ = convert(500_000.0, 2_000_000.0, "75")
    assert np.isnan(lon)


def test_each_overseas_department_reads_its_own_system() -> None:
    # A point of each territory, projected with the EPSG code INSEE's columns use there,
    # comes back to the same place; read with Lambert-93 it would fall outside.
    points = {
        "971": (5490, -61.534, 16.241),  # Pointe-à-Pitre
        "972": (5490, -61.073, 14.616),  # Fort-de-France
        "973": (2972, -52.326, 4.938),  # Cayenne
        "974": (2975, 55.448, -20.882),  # Saint-Denis
        "975": (4467, -56.178, 46.780),  # Saint-Pierre
        "976": (4471, 45.227, -12.781),  # Mamoudzou
    }
    for department, (epsg, lon0, lat0) in points.items():
        x, y = to_wgs84_transformer(epsg).transform(lon0, lat0, direction="INVERSE")
        lon, lat = convert(x, y, department)
        assert distance_m(lon, lat, lon0, lat0) < 1, department
        assert np.isnan(convert(x, y, "75")[0]), department


def test_department_of_commune_codes() -> None:
    assert department_of("01053") == "01"
    assert department_of("2A004") == "2A"
    assert department_of("75118") == "75"
    assert department_of("97411") == "974"
    assert department_of("98727") == "987"
    assert department_of("20004") is None  # no commune code starts with 20 any more
    assert department_of("") is None


def test_commune_table_keeps_valid_positions_and_says_what_it_rejected() -> None:
    communes = load_communes()
    assert communes.get("80001") == pytest.approx((50.1083582944, 1.83209170207))
    assert communes.get("97411") == pytest.approx((-20.9329708192, 55.446867167))
    # La Poste 2022 places Saint-Barthélemy and Saint-Martin at Saint-Pierre-et-Miquelon.
    assert communes.get("97701") is None and communes.get("97801") is None
    assert "hors du territoire" in communes.rejected["97801"]
    assert len(communes) > 34_000
