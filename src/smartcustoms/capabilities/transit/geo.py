"""Geometry for transit monitoring, pure: WGS-84 in, a metric UTM projection (pyproj, one cached Transformer
per zone) for buffers and distances, shapely 2 vectorised predicates (`contains_xy` over whole batches).

Measurements behind these choices (domain doc §6.2): `contains_xy` on a buffered corridor ≈ 5.4 M points/s,
`distance` ≈ 30 k points/s (avoided), pyproj 4326 → 326xx ≈ 4.7 M points/s. Coordinates stay WGS-84 everywhere
else; GCJ-02 is for display only (§6.3) and never enters this module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

LonLat = tuple[float, float]


def utm_epsg(lon: float, lat: float) -> int:
    zone = min(60, max(1, int((lon + 180) // 6) + 1))
    return (32600 if lat >= 0 else 32700) + zone


@lru_cache(maxsize=16)
def _to_metric(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


def project(epsg: int, lons: Any, lats: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = _to_metric(epsg).transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Area:
    """A polygon (authorised zone) or a circle (a site's geofence) in WGS-84, tested in metres."""

    epsg: int
    shape: Any = field(compare=False, repr=False)

    @classmethod
    def polygon(cls, ring: Sequence[LonLat], epsg: int | None = None) -> Area:
        if len(ring) < 3:
            raise ValueError("transit.zone.too_few_vertices")
        epsg = epsg or utm_epsg(*ring[0])
        x, y = project(epsg, [p[0] for p in ring], [p[1] for p in ring])
        poly = shapely.make_valid(shapely.Polygon(np.column_stack([x, y])))
        shapely.prepare(poly)
        return cls(epsg, poly)

    @classmethod
    def circle(cls, centre: LonLat, radius_m: float, epsg: int | None = None) -> Area:
        epsg = epsg or utm_epsg(*centre)
        x, y = project(epsg, [centre[0]], [centre[1]])
        disc = shapely.buffer(shapely.Point(float(x[0]), float(y[0])), radius_m, quad_segs=16)
        shapely.prepare(disc)
        return cls(epsg, disc)

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Vectorised over already-projected coordinates in this area's EPSG."""
        return np.asarray(shapely.contains_xy(self.shape, x, y), dtype=bool)

    def contains_lonlat(self, lons: Any, lats: Any) -> np.ndarray:
        x, y = project(self.epsg, lons, lats)
        return self.contains(x, y)


@dataclass(frozen=True)
class Corridor:
    """The planned route (a WGS-84 polyline) buffered by `buffer_m` in the metric projection: Traccar's
    LINESTRING geofence with `polylineDistance` (default 25 m; here set per transit), as one polygon."""

    epsg: int
    line: Any = field(compare=False, repr=False)
    polygon: Any = field(compare=False, repr=False)

    @classmethod
    def build(cls, vertices: Sequence[LonLat], buffer_m: float) -> Corridor:
        if len(vertices) < 2:
            raise ValueError("transit.corridor.too_few_vertices")
        mid = vertices[len(vertices) // 2]
        epsg = utm_epsg(*mid)
        x, y = project(epsg, [p[0] for p in vertices], [p[1] for p in vertices])
        line = shapely.LineString(np.column_stack([x, y]))
        polygon = shapely.buffer(line, buffer_m, quad_segs=8)
        shapely.prepare(polygon)
        return cls(epsg, line, polygon)

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.asarray(shapely.contains_xy(self.polygon, x, y), dtype=bool)

    def contains_lonlat(self, lons: Any, lats: Any) -> np.ndarray:
        x, y = project(self.epsg, lons, lats)
        return self.contains(x, y)

    def offset_m(self, lon: float, lat: float) -> float:
        """Distance from the route line, for the evidence of a deviation (one point, not in the hot path)."""
        x, y = project(self.epsg, [lon], [lat])
        return float(shapely.distance(self.line, shapely.Point(float(x[0]), float(y[0]))))

    @property
    def length_m(self) -> float:
        return float(self.line.length)
