"""Projected SIRENE coordinates → WGS84, one pyproj call per territory and batch.

A pyproj call has a fixed cost of tens of microseconds; per row it would dominate the
ingest. Grouping a batch by projection turns 50,000 calls into one to three.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from pyproj import Transformer

from .territories import EPSG, inside

WGS84 = "EPSG:4326"


@cache
def to_wgs84_transformer(epsg: int) -> Transformer:
    # always_xy: x/easting first in, longitude first out, whatever the CRS axis order.
    return Transformer.from_crs(f"EPSG:{epsg}", WGS84, always_xy=True)


@cache
def from_wgs84_transformer(epsg: int) -> Transformer:
    return Transformer.from_crs(WGS84, f"EPSG:{epsg}", always_xy=True)


def projected_to_wgs84(
    x: np.ndarray, y: np.ndarray, territory: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of projected points, each in its territory's system.

    ``territory`` holds indices into ``territories.TERRITORIES``. Points that are missing
    (NaN), in a territory without a known system, or that land outside their territory
    come back as NaN.
    """
    lon = np.full(x.shape, np.nan)
    lat = np.full(x.shape, np.nan)
    epsg = EPSG[territory]
    usable = np.isfinite(x) & np.isfinite(y) & (epsg != 0)
    for code in np.unique(epsg[usable]):
        mask = usable & (epsg == code)
        lon[mask], lat[mask] = to_wgs84_transformer(int(code)).transform(x[mask], y[mask])
    outside = ~inside(lon, lat, territory)
    lon[outside] = np.nan
    lat[outside] = np.nan
    return lon, lat


def wgs84_to_projected(
    lon: np.ndarray, lat: np.ndarray, territory: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The inverse, used to write realistic test files (NaN where no system is known)."""
    x = np.full(lon.shape, np.nan)
    y = np.full(lon.shape, np.nan)
    epsg = EPSG[territory]
    usable = np.isfinite(lon) & np.isfinite(lat) & (epsg != 0)
    for code in np.unique(epsg[usable]):
        mask = usable & (epsg == code)
        x[mask], y[mask] = from_wgs84_transformer(int(code)).transform(lon[mask], lat[mask])
    return x, y
