"""Truck simulator (车辆模拟器), pure: trucks under customs transit driving a route at realistic speeds and
reporting fixes, with configurable anomalies. It yields `Reading`s in simulated device time; a runner
(`workers/truck_runner.py`) turns them into JT/T 808 frames over TCP or JSON lock messages over MQTT.

Routes are data: WGS-84 vertices along the expressways (G1512 Yongjin for Yiwu → Ningbo Beilun port;
G60 and the Donghai bridge for Yiwu → Shanghai Yangshan), interpolated to a few dozen vertices. They follow the
roads to within a few kilometres, which is what a corridor buffer of 2–3 km is for; they are not survey data.
Speed variation is a deterministic function of the truck id and the distance (no random numbers), so a run
can be replayed exactly.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from smartcustoms.devices.reading import LockState, Reading

LonLat = tuple[float, float]

# Key waypoints (lon, lat), WGS-84.
_YIWU_NINGBO = (
    (120.0750, 29.3060),  # 义乌 market-procurement export supervision site
    (120.1500, 29.2900), (120.2400, 29.2700),  # 东阳
    (120.3300, 29.3000), (120.4500, 29.3700), (120.5600, 29.4300),
    (120.7000, 29.4900), (120.8700, 29.5200),  # 新昌
    (120.9800, 29.5800), (121.1200, 29.6200), (121.2600, 29.6500),
    (121.4100, 29.6600),  # 奉化
    (121.5200, 29.7600), (121.6300, 29.8400),  # 宁波
    (121.7400, 29.8900), (121.8500, 29.9300),  # 北仑港
)
_YIWU_YANGSHAN = (
    (120.0750, 29.3060),
    (120.1600, 29.5000), (120.2400, 29.7100),  # 诸暨
    (120.2600, 29.9500), (120.2600, 30.1800),  # 萧山
    (120.4800, 30.4200), (120.7500, 30.7500),  # 嘉兴
    (121.0000, 30.9000), (121.2200, 31.0300),  # 松江
    (121.5000, 30.9800), (121.9000, 30.8700),  # 临港 / 芦潮港
    (122.0000, 30.7500), (122.0600, 30.6300),  # 东海大桥 → 洋山港
)


def _densify(points: Sequence[LonLat], per_segment: int) -> tuple[LonLat, ...]:
    out: list[LonLat] = []
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        for k in range(per_segment):
            f = k / per_segment
            out.append((round(x1 + (x2 - x1) * f, 6), round(y1 + (y2 - y1) * f, 6)))
    out.append(points[-1])
    return tuple(out)


@dataclass(frozen=True)
class Route:
    code: str
    origin: str
    destination: str
    vertices: tuple[LonLat, ...]


ROUTES: dict[str, Route] = {
    "yiwu-ningbo": Route("yiwu-ningbo", "义乌 Yiwu", "宁波北仑港 Ningbo Beilun", _densify(_YIWU_NINGBO, 3)),
    "yiwu-yangshan": Route("yiwu-yangshan", "义乌 Yiwu", "上海洋山港 Shanghai Yangshan",
                           _densify(_YIWU_YANGSHAN, 3)),
}


def _metres(a: LonLat, b: LonLat) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(a[1]), math.radians(b[1])
    dp, dl = p2 - p1, math.radians(b[0] - a[0])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(h)))


def route_length_m(vertices: Sequence[LonLat]) -> float:
    return sum(_metres(a, b) for a, b in zip(vertices, vertices[1:], strict=False))


def point_at(vertices: Sequence[LonLat], distance_m: float) -> tuple[LonLat, float]:
    """The point `distance_m` along the polyline, and the heading there (degrees, 0 = north)."""
    remaining = max(0.0, distance_m)
    for a, b in zip(vertices, vertices[1:], strict=False):
        seg = _metres(a, b)
        if remaining <= seg or b == vertices[-1]:
            f = min(1.0, remaining / seg) if seg else 0.0
            heading = (math.degrees(math.atan2((b[0] - a[0]) * math.cos(math.radians(a[1])), b[1] - a[1]))
                       + 360) % 360
            return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f), heading
        remaining -= seg
    return vertices[-1], 0.0


def _offset(p: LonLat, heading_deg: float, metres: float) -> LonLat:
    """Move `metres` to the right of the heading."""
    bearing = math.radians(heading_deg + 90)
    dlat = metres * math.cos(bearing) / 111_320
    dlon = metres * math.sin(bearing) / (111_320 * math.cos(math.radians(p[1])))
    return (p[0] + dlon, p[1] + dlat)


def _jitter(label: str) -> float:
    """A deterministic number in [0, 1) from a label (not random: replayable)."""
    return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=4).digest(), "big") / 2**32


@dataclass(frozen=True)
class Anomaly:
    """kind: ``detour`` (leave the corridor by `offset_m`), ``long_stop`` (stand still), ``lock_open`` (lock
    opened mid-route for `duration_s`, then resealed), ``signal_gap`` (no live reports; the fixes come later as
    a blind-area upload). It starts `at` (fraction of the route) and lasts `duration_s`."""

    kind: str
    at: float = 0.5
    duration_s: float = 20 * 60
    offset_m: float = 6000.0


@dataclass(frozen=True)
class TruckPlan:
    device_id: str
    """JT/T 808 terminal phone number (digits) or, for MQTT locks, the lock id."""
    lock_id: str
    plate: str
    route: Route
    start: datetime
    speed_kmh: float = 75.0
    interval_s: float = 30.0
    anomalies: tuple[Anomaly, ...] = ()
    battery_start_pct: float = 95.0
    battery_drain_pct_per_h: float = 1.0
    dwell_at_destination_s: float = 120.0
    unseal_at_destination: bool = False


@dataclass
class Truck:
    plan: TruckPlan
    length_m: float = field(init=False)

    def __post_init__(self) -> None:
        self.length_m = route_length_m(self.plan.route.vertices)

    def readings(self) -> Iterator[Reading]:
        """Every fix of the trip in device-time order. A reading inside a signal gap carries
        ``extras['blind'] = True``: the runner holds it back and uploads it (0x0704) when the gap ends."""
        plan = self.plan
        t, dist, seq = plan.start, 0.0, 0
        stopped_until: datetime | None = None
        done_stops: set[int] = set()
        opened_at: dict[int, datetime] = {}
        end = plan.start + timedelta(hours=24)
        arrived_at: datetime | None = None
        while t < end:
            frac = dist / self.length_m if self.length_m else 1.0
            active = [a for a in plan.anomalies if a.at <= frac]
            (lon, lat), heading = point_at(plan.route.vertices, dist)
            blind = False
            for i, a in enumerate(plan.anomalies):
                if a.kind == "long_stop" and a.at <= frac and i not in done_stops and stopped_until is None:
                    stopped_until = t + timedelta(seconds=a.duration_s)
                    done_stops.add(i)
            moving = stopped_until is None or t >= stopped_until
            if stopped_until is not None and t >= stopped_until:
                stopped_until = None
            lock = LockState.SEALED
            for i, a in enumerate(plan.anomalies):
                if a.kind == "lock_open" and a.at <= frac:
                    since = opened_at.setdefault(i, t)
                    if (t - since).total_seconds() < a.duration_s:
                        lock = LockState.OPENED
            for a in active:
                start_d = a.at * self.length_m
                span_d = plan.speed_kmh / 3.6 * a.duration_s
                if a.kind == "detour" and start_d <= dist <= start_d + span_d:
                    ramp = min(1.0, (dist - start_d) / (span_d / 4 or 1), (start_d + span_d - dist) / (span_d / 4 or 1))
                    lon, lat = _offset((lon, lat), heading, a.offset_m * max(0.0, ramp))
                if a.kind == "signal_gap" and start_d <= dist <= start_d + span_d:
                    blind = True
            wobble = 0.85 + 0.3 * _jitter(f"{plan.device_id}:{int(dist // 5000)}")
            speed = plan.speed_kmh * wobble if moving and arrived_at is None else 0.0
            hours = (t - plan.start).total_seconds() / 3600
            battery = max(0.0, plan.battery_start_pct - plan.battery_drain_pct_per_h * hours)
            at_end = dist >= self.length_m
            if at_end and arrived_at is None:
                arrived_at = t
            if at_end and plan.unseal_at_destination and arrived_at is not None and t > arrived_at:
                lock = LockState.OPENED
            yield Reading(device_id=plan.device_id, device_time=t, seq=seq, lat=round(lat, 6), lon=round(lon, 6),
                          speed_kmh=round(speed, 1), heading=int(heading), altitude_m=20,
                          status=frozenset({"acc_on", "fixed", "gps", "beidou"}), lock_id=plan.lock_id,
                          lock_state=lock, battery_pct=round(battery), source="sim",
                          extras={"blind": True} if blind else {})
            if arrived_at is not None and (t - arrived_at).total_seconds() >= plan.dwell_at_destination_s:
                return
            seq = (seq + 1) & 0xFFFF
            t += timedelta(seconds=plan.interval_s)
            if speed > 0:
                dist = min(self.length_m, dist + speed / 3.6 * plan.interval_s)


def fleet(n: int, start: datetime, *, route_codes: Sequence[str] = ("yiwu-ningbo", "yiwu-yangshan"),
          interval_s: float = 30.0, anomalies: Mapping[int, tuple[Anomaly, ...]] | None = None,
          phone_base: int = 13_800_000_000) -> list[TruckPlan]:
    """N trucks, alternating routes, departing a minute apart; truck i gets `anomalies[i]` if given."""
    plans = []
    for i in range(n):
        route = ROUTES[route_codes[i % len(route_codes)]]
        plans.append(TruckPlan(
            device_id=str(phone_base + i), lock_id=f"EL{i + 1:08d}", plate=f"浙G{i % 100000:05d}",
            route=route, start=start + timedelta(minutes=i), speed_kmh=65 + 20 * _jitter(f"speed:{i}"),
            interval_s=interval_s, anomalies=(anomalies or {}).get(i, ())))
    return plans


def with_anomalies(plan: TruckPlan, *anomalies: Anomaly) -> TruckPlan:
    return replace(plan, anomalies=plan.anomalies + anomalies)
