"""The offline vector map (离线矢量底图): corridors, sites and trucks drawn as SVG on the server from WGS-84
coordinates, with a plain equirectangular projection over the East-China box. No tile server, no external
request. A schematic coastline (a few dozen points, Hangzhou Bay to the Yangtze mouth) orients the eye; it is
not survey data. Coordinates are WGS-84 throughout; a GCJ-02 basemap, if ever used, would shift these points
by ~0.5 km for display only (domain doc §6.3)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

COASTLINE: tuple[tuple[float, float], ...] = (
    (121.80, 31.40), (121.98, 31.05), (121.90, 30.86), (121.55, 30.80), (121.30, 30.70), (121.00, 30.58),
    (120.80, 30.47), (120.60, 30.38), (120.35, 30.30), (120.55, 30.25), (120.80, 30.15), (121.05, 30.25),
    (121.25, 30.30), (121.45, 30.18), (121.70, 29.98), (121.90, 29.92), (122.00, 29.80), (121.95, 29.60),
    (121.85, 29.40), (121.90, 29.20),
)
ISLANDS: tuple[tuple[tuple[float, float], ...], ...] = (
    ((122.03, 30.60), (122.10, 30.60), (122.10, 30.66), (122.03, 30.66)),  # 洋山
    ((122.00, 30.05), (122.30, 30.00), (122.35, 29.95), (122.05, 29.93)),  # 舟山本岛 (schematic)
)
STATE_COLOURS = {"opened": "#1f6feb", "in_transit": "#1b8a3a", "arrived": "#6f42c1", "closed": "#8b949e",
                 "held": "#d97706", "alarm": "#d1242f"}


@dataclass(frozen=True)
class Viewport:
    lon_min: float = 119.8
    lon_max: float = 122.4
    lat_min: float = 28.9
    lat_max: float = 31.5
    width: int = 900

    @property
    def kx(self) -> float:
        return math.cos(math.radians((self.lat_min + self.lat_max) / 2))

    @property
    def height(self) -> int:
        return round(self.width * (self.lat_max - self.lat_min) / ((self.lon_max - self.lon_min) * self.kx))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = (lon - self.lon_min) / (self.lon_max - self.lon_min) * self.width
        y = (self.lat_max - lat) / (self.lat_max - self.lat_min) * self.height
        return round(x, 1), round(y, 1)

    def path(self, points: Iterable[Sequence[float]]) -> str:
        return " ".join(f"{x},{y}" for x, y in (self.xy(p[0], p[1]) for p in points))

    def metres_to_px(self, metres: float) -> float:
        return metres / 111_320 / (self.lon_max - self.lon_min) * self.width * self.kx

    @classmethod
    def around(cls, points: Sequence[Sequence[float]], margin: float = 0.08, width: int = 900) -> Viewport:
        if not points:
            return cls(width=width)
        lons = [p[0] for p in points]
        lats = [p[1] for p in points]
        return cls(min(lons) - margin, max(lons) + margin, min(lats) - margin, max(lats) + margin, width)
