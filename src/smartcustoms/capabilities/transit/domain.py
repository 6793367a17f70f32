"""Transit monitoring domain (在途监管), pure: the transit declaration and its state machine, the alarm model,
and the pipeline that turns a batch of device readings into state changes and alarms.

Pipeline per transit (after Traccar's order, domain doc §3): order + de-duplicate → corridor check (one
vectorised `contains_xy` per batch, in UTM metres) → arrival / departure → stop detection → alarms.
Detectors keep their episode state in `Monitor`, which is saved with the positions, so a restarted worker
carries on where it stopped and raises each alarm once. Time comes from device timestamps and from the `now`
the caller passes (its Clock); nothing here reads a clock or draws a random number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from typing import Any

import numpy as np

from smartcustoms.capabilities.transit.geo import Area, Corridor, LonLat, haversine_m, project
from smartcustoms.devices.reading import LockState, Reading
from smartcustoms.kernel.errors import IllegalTransition


class TransitState(StrEnum):
    OPENED = "opened"  # 已施封启运: lock sealed at the origin, declaration opened
    IN_TRANSIT = "in_transit"  # 在途
    ARRIVED = "arrived"  # 抵达指运地
    CLOSED = "closed"  # 核销结关
    HELD = "held"  # 扣留待查


TRANSITIONS: dict[TransitState, frozenset[TransitState]] = {
    TransitState.OPENED: frozenset({TransitState.IN_TRANSIT, TransitState.HELD}),
    TransitState.IN_TRANSIT: frozenset({TransitState.ARRIVED, TransitState.HELD}),
    TransitState.ARRIVED: frozenset({TransitState.CLOSED, TransitState.HELD}),
    TransitState.HELD: frozenset({TransitState.CLOSED}),
    TransitState.CLOSED: frozenset(),
}
ACTIVE = frozenset({TransitState.OPENED, TransitState.IN_TRANSIT})


class AlarmKind(StrEnum):
    CORRIDOR_DEVIATION = "corridor_deviation"  # 偏离路线
    UNAUTHORISED_STOP = "unauthorised_stop"  # 非法停车
    LOCK_TAMPER = "lock_tamper"  # 非授权区域开锁 / 破坏
    LOW_BATTERY = "low_battery"  # 低电量
    SIGNAL_LOST = "signal_lost"  # 信号丢失
    TIME_LIMIT_EXCEEDED = "time_limit_exceeded"  # 超时未抵达
    SPEEDING = "speeding"  # 超速


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AlarmStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    CLOSED = "closed"


ALARM_TRANSITIONS: dict[AlarmStatus, frozenset[AlarmStatus]] = {
    AlarmStatus.OPEN: frozenset({AlarmStatus.ACKNOWLEDGED, AlarmStatus.ASSIGNED, AlarmStatus.CLOSED}),
    AlarmStatus.ACKNOWLEDGED: frozenset({AlarmStatus.ASSIGNED, AlarmStatus.CLOSED}),
    AlarmStatus.ASSIGNED: frozenset({AlarmStatus.ACKNOWLEDGED, AlarmStatus.ASSIGNED, AlarmStatus.CLOSED}),
    AlarmStatus.CLOSED: frozenset(),
}


def check_alarm_transition(current: AlarmStatus, target: AlarmStatus) -> None:
    if target not in ALARM_TRANSITIONS[current]:
        raise IllegalTransition("transit.alarm.illegal_transition", current=current.value, target=target.value)


@dataclass(frozen=True)
class Site:
    """An origin site or destination port gate, with a circular geofence."""

    code: str
    name: str
    lon: float
    lat: float
    radius_m: float = 800.0


@dataclass(frozen=True)
class Zone:
    """An authorised zone: a WGS-84 polygon in which the lock may be opened (e.g. a bonded inspection yard)."""

    name: str
    ring: tuple[LonLat, ...]


@dataclass(frozen=True)
class Transit:
    id: str
    plate: str
    lock_id: str
    device_id: str
    containers: tuple[str, ...]
    origin: Site
    destination: Site
    route: tuple[LonLat, ...]
    buffer_m: float
    time_limit_s: int
    zones: tuple[Zone, ...]
    customs_code: str
    """The supervising customs (scope of the officers who see it)."""
    opened_at: datetime
    state: TransitState = TransitState.OPENED
    declaration_no: str | None = None
    """The linked customs declaration, by number only (no cross-capability import yet)."""
    in_transit_at: datetime | None = None
    arrived_at: datetime | None = None
    closed_at: datetime | None = None
    hold_reasons: tuple[str, ...] = ()

    @property
    def deadline(self) -> datetime:
        return self.opened_at + timedelta(seconds=self.time_limit_s)

    def to(self, target: TransitState, at: datetime, reasons: Sequence[str] = ()) -> Transit:
        if target not in TRANSITIONS[self.state]:
            raise IllegalTransition("transit.illegal_transition", current=self.state.value, target=target.value)
        changes: dict[str, Any] = {"state": target}
        if target is TransitState.IN_TRANSIT:
            changes["in_transit_at"] = at
        elif target is TransitState.ARRIVED:
            changes["arrived_at"] = at
        elif target is TransitState.CLOSED:
            changes["closed_at"] = at
        elif target is TransitState.HELD:
            changes["hold_reasons"] = tuple(reasons)
        return replace(self, **changes)


@dataclass(frozen=True)
class Policy:
    corridor_confirm_fixes: int = 2
    """Hysteresis: consecutive fixes outside the corridor before a deviation alarm (domain doc §7.2)."""
    stop_speed_kmh: float = 3.0
    max_stop_s: int = 15 * 60
    """Unauthorised stop: stationary longer than this outside the origin, destination and authorised zones."""
    low_battery_pct: float = 20.0
    signal_timeout_s: int = 600
    """Traccar's `status.timeout` default."""
    speed_limit_kmh: float = 100.0
    """Goods vehicles on Chinese expressways: 100 km/h."""
    speeding_confirm_fixes: int = 2
    evidence_points: int = 20


@dataclass(frozen=True)
class Geometry:
    corridor: Corridor
    origin: Area
    destination: Area
    zones: tuple[Area, ...]


def compile_geometry(transit: Transit) -> Geometry:
    corridor = Corridor.build(transit.route, transit.buffer_m)
    return Geometry(
        corridor=corridor,
        origin=Area.circle((transit.origin.lon, transit.origin.lat), transit.origin.radius_m, corridor.epsg),
        destination=Area.circle((transit.destination.lon, transit.destination.lat), transit.destination.radius_m,
                                corridor.epsg),
        zones=tuple(Area.polygon(z.ring, corridor.epsg) for z in transit.zones),
    )


@dataclass(frozen=True)
class AlarmDraft:
    transit_id: str
    device_id: str
    kind: AlarmKind
    severity: Severity
    raised_at: datetime
    """Device time of the reading that proved it (or the deterministic instant of a timeout)."""
    evidence: dict[str, Any]
    lon: float | None = None
    lat: float | None = None


@dataclass
class Monitor:
    """Per-transit detector state; persisted as JSON with each batch."""

    last_time: datetime | None = None
    last_seq: int = -1
    last_lon: float | None = None
    last_lat: float | None = None
    last_in_zone: bool = True
    outside: list[dict[str, Any]] = field(default_factory=list)
    deviating: bool = False
    stop_since: datetime | None = None
    stop_at: list[float] | None = None
    stop_alarmed: bool = False
    lock_state: str = LockState.SEALED.value
    lock_alarmed: bool = False
    lock_violations: list[dict[str, Any]] = field(default_factory=list)
    foreign_locks: list[str] = field(default_factory=list)
    battery_low: bool = False
    speeding_run: int = 0
    speeding: bool = False
    signal_lost: bool = False
    time_limit_alarmed: bool = False
    distance_m: float = 0.0
    count: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for name in ("last_time", "stop_since"):
            value = out[name]
            out[name] = value.isoformat() if value is not None else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Monitor:
        if not data:
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for name in ("last_time", "stop_since"):
            if known.get(name):
                known[name] = datetime.fromisoformat(known[name])
        return cls(**known)


@dataclass
class Outcome:
    alarms: list[AlarmDraft] = field(default_factory=list)
    transit: Transit | None = None
    """The transit after this batch, when its state changed."""
    transitions: list[tuple[TransitState, datetime]] = field(default_factory=list)


_ORDER = attrgetter("device_time", "seq", "device_id")


def order_and_dedupe(readings: Iterable[Reading], seen: set[tuple[str, datetime, int]] | None = None
                     ) -> list[Reading]:
    """Sort by device time and sequence; drop repeats of a key (the first one stays) and keys in `seen`.
    Repeats are neighbours once sorted, so no key is hashed (hashing an aware datetime is the costly part)."""
    out: list[Reading] = []
    last = None
    for r in sorted(readings, key=_ORDER):  # stable: of equal keys, the first received comes first
        key = _ORDER(r)
        if key != last and (seen is None or r.key not in seen):
            out.append(r)
        last = key
    return out


def _point(r: Reading) -> dict[str, Any]:
    return {"t": r.device_time.isoformat(), "seq": r.seq, "lat": r.lat, "lon": r.lon, "speed_kmh": r.speed_kmh,
            "lock": r.lock_state.value if r.lock_state else None, "device": r.device_id}


def evaluate(transit: Transit, geometry: Geometry, monitor: Monitor, readings: Sequence[Reading],
             policy: Policy) -> Outcome:
    """Run the detectors over one batch for one transit. `readings` must come from `order_and_dedupe`.
    Mutates `monitor`; returns the alarms and the new transit state."""
    out = Outcome()
    if not readings or transit.state not in (*ACTIVE, TransitState.ARRIVED):
        return out
    fixes = [i for i, r in enumerate(readings) if r.has_fix]
    flags: dict[int, tuple[bool, bool, bool, bool]] = {}
    """Per index into `readings`: (in corridor, at origin, at destination, in an authorised zone)."""
    if fixes:
        lons = np.fromiter((readings[i].lon for i in fixes), float, len(fixes))
        lats = np.fromiter((readings[i].lat for i in fixes), float, len(fixes))
        x, y = project(geometry.corridor.epsg, lons, lats)
        zone_hit = np.zeros(len(fixes), dtype=bool)
        for zone in geometry.zones:
            zone_hit |= zone.contains(x, y)
        flags = dict(zip(fixes, zip(geometry.corridor.contains(x, y).tolist(), geometry.origin.contains(x, y).tolist(),
                                    geometry.destination.contains(x, y).tolist(), zone_hit.tolist(), strict=True),
                         strict=True))
    deadline = transit.deadline
    state = transit
    late_outside: list[Reading] = []
    late_lock_alarmed = False

    def alarm(kind: AlarmKind, severity: Severity, r: Reading, **evidence: Any) -> None:
        out.alarms.append(AlarmDraft(transit.id, r.device_id, kind, severity, r.device_time, evidence, r.lon, r.lat))

    def lock_alarm(r: Reading, allowed_here: bool, **extra: Any) -> None:
        assert r.lock_state is not None
        state_value = r.lock_state.value
        severity = Severity.CRITICAL if r.lock_state is LockState.TAMPERED else Severity.HIGH
        monitor.lock_violations.append({**_point(r), "state": state_value, "in_authorised_zone": allowed_here})
        alarm(AlarmKind.LOCK_TAMPER, severity, r, lock_id=transit.lock_id, state=state_value,
              in_authorised_zone=allowed_here, position=_point(r), **extra)

    def move(target: TransitState, at: datetime, reasons: Sequence[str] = ()) -> None:
        nonlocal state
        state = state.to(target, at, reasons)
        out.transitions.append((target, at))

    for index, r in enumerate(readings):
        late = monitor.last_time is not None and (r.device_time, r.seq) <= (monitor.last_time, monitor.last_seq)
        f = flags.get(index)
        inside, at_origin, at_dest, in_zone = f if f is not None else (True, False, False, monitor.last_in_zone)
        allowed_here = at_dest or in_zone
        if f is None:  # no fix (e.g. a lock event without position): judge by the last known position
            allowed_here = monitor.last_in_zone

        # lock: opened or tampered outside an authorised zone (the destination gate counts as one)
        if r.lock_id and r.lock_id != transit.lock_id and r.lock_id not in monitor.foreign_locks:
            monitor.foreign_locks.append(r.lock_id)
        if r.lock_state is not None and r.lock_id in (None, transit.lock_id):
            bad = r.lock_state is LockState.TAMPERED or (r.lock_state is LockState.OPENED and not allowed_here)
            if late:  # a blind-area fix showing the lock open or broken during the gap: one alarm per batch
                if bad and r.lock_state.value != monitor.lock_state and not late_lock_alarmed:
                    late_lock_alarmed = True
                    lock_alarm(r, allowed_here, blind_area=True)
            else:
                if r.lock_state.value != monitor.lock_state:
                    monitor.lock_alarmed = False  # a new episode (opened, resealed, opened again …)
                if bad and not monitor.lock_alarmed:  # includes leaving a zone with the lock still open
                    monitor.lock_alarmed = True
                    lock_alarm(r, allowed_here)
                monitor.lock_state = r.lock_state.value
        if r.battery_pct is not None and not late:
            if r.battery_pct < policy.low_battery_pct and not monitor.battery_low:
                monitor.battery_low = True
                alarm(AlarmKind.LOW_BATTERY, Severity.LOW, r, battery_pct=r.battery_pct,
                      threshold_pct=policy.low_battery_pct)
            elif r.battery_pct >= policy.low_battery_pct + 5:
                monitor.battery_low = False

        if late:  # blind-area (补传) or out-of-order: corridor evidence only
            if f is not None and not (inside or at_origin or at_dest):
                late_outside.append(r)
            continue

        # signal gap between consecutive reports
        if monitor.last_time is not None:
            gap = (r.device_time - monitor.last_time).total_seconds()
            if gap > policy.signal_timeout_s and not monitor.signal_lost and state.state in ACTIVE:
                alarm(AlarmKind.SIGNAL_LOST, Severity.MEDIUM, r, gap_s=gap, since=monitor.last_time.isoformat(),
                      last_position=[monitor.last_lon, monitor.last_lat])
            monitor.signal_lost = False

        if f is not None:
            assert r.lat is not None and r.lon is not None
            speed = r.speed_kmh
            if speed is None and monitor.last_time is not None and monitor.last_lon is not None:
                dt = (r.device_time - monitor.last_time).total_seconds()
                dist = haversine_m(monitor.last_lon, monitor.last_lat or 0.0, r.lon, r.lat)
                speed = dist / dt * 3.6 if dt > 0 else 0.0
            if monitor.last_lon is not None and monitor.last_lat is not None:
                monitor.distance_m += haversine_m(monitor.last_lon, monitor.last_lat, r.lon, r.lat)

            if state.state is TransitState.OPENED and not at_origin:
                move(TransitState.IN_TRANSIT, r.device_time)

            # corridor deviation, with hysteresis
            if inside or at_origin or at_dest:
                monitor.outside.clear()
                monitor.deviating = False
            else:
                monitor.outside = [*monitor.outside, _point(r)][-policy.evidence_points:]
                if len(monitor.outside) >= policy.corridor_confirm_fixes and not monitor.deviating:
                    monitor.deviating = True
                    alarm(AlarmKind.CORRIDOR_DEVIATION, Severity.HIGH, r, positions=list(monitor.outside),
                          offset_m=round(geometry.corridor.offset_m(r.lon, r.lat), 1),
                          buffer_m=transit.buffer_m)

            # speeding
            if speed is not None and speed > policy.speed_limit_kmh:
                monitor.speeding_run += 1
                if monitor.speeding_run >= policy.speeding_confirm_fixes and not monitor.speeding:
                    monitor.speeding = True
                    alarm(AlarmKind.SPEEDING, Severity.MEDIUM, r, speed_kmh=speed,
                          limit_kmh=policy.speed_limit_kmh, position=_point(r))
            else:
                monitor.speeding_run, monitor.speeding = 0, False

            # stops
            if speed is not None and speed <= policy.stop_speed_kmh:
                if monitor.stop_since is None:
                    monitor.stop_since, monitor.stop_at, monitor.stop_alarmed = r.device_time, [r.lon, r.lat], False
                elif (not monitor.stop_alarmed and not (at_origin or at_dest or in_zone)
                      and (r.device_time - monitor.stop_since).total_seconds() > policy.max_stop_s
                      and state.state in ACTIVE):
                    monitor.stop_alarmed = True
                    alarm(AlarmKind.UNAUTHORISED_STOP, Severity.MEDIUM, r, since=monitor.stop_since.isoformat(),
                          duration_s=(r.device_time - monitor.stop_since).total_seconds(),
                          position=monitor.stop_at, max_stop_s=policy.max_stop_s)
            else:
                monitor.stop_since, monitor.stop_at, monitor.stop_alarmed = None, None, False

            # time limit
            if (r.device_time > deadline and not monitor.time_limit_alarmed
                    and state.state in ACTIVE):
                monitor.time_limit_alarmed = True
                alarm(AlarmKind.TIME_LIMIT_EXCEEDED, Severity.HIGH, r, deadline=deadline.isoformat(),
                      position=_point(r))

            # arrival at the destination gate: verify the lock, close or hold
            if at_dest and state.state is TransitState.IN_TRANSIT:
                move(TransitState.ARRIVED, r.device_time)
                reasons = verify_arrival(transit, monitor)
                if reasons:
                    move(TransitState.HELD, r.device_time, reasons)
                else:
                    move(TransitState.CLOSED, r.device_time)

            monitor.last_lon, monitor.last_lat, monitor.last_in_zone = r.lon, r.lat, at_dest or in_zone or at_origin
        monitor.last_time, monitor.last_seq = r.device_time, r.seq
        monitor.count += 1

    if len(late_outside) >= policy.corridor_confirm_fixes:
        last = late_outside[-1]
        alarm(AlarmKind.CORRIDOR_DEVIATION, Severity.HIGH, last, positions=[_point(r) for r in late_outside]
              [-policy.evidence_points:], blind_area=True, buffer_m=transit.buffer_m,
              offset_m=round(geometry.corridor.offset_m(last.lon or 0.0, last.lat or 0.0), 1))
    if out.transitions:
        out.transit = state
    return out


def verify_arrival(transit: Transit, monitor: Monitor) -> list[str]:
    """At the destination gate: the lock must be the declared one and sealed all the way, or opened only in
    authorised zones. Returns the hold reasons (message keys); empty means close automatically."""
    reasons = []
    if monitor.foreign_locks:
        reasons.append("transit.hold.lock_mismatch")
    if monitor.lock_violations:
        reasons.append("transit.hold.lock_opened_outside_zone")
    if monitor.lock_state == LockState.TAMPERED.value:
        reasons.append("transit.hold.lock_tampered")
    return reasons


def check_overdue(transit: Transit, monitor: Monitor, now: datetime, policy: Policy) -> list[AlarmDraft]:
    """Alarms that come from silence rather than a reading: signal lost and time limit exceeded. Their
    `raised_at` is the deterministic instant the rule tripped, so running this twice raises nothing twice."""
    if transit.state not in ACTIVE:
        return []
    out = []
    last = monitor.last_time or transit.opened_at
    if not monitor.signal_lost and (now - last).total_seconds() > policy.signal_timeout_s:
        monitor.signal_lost = True
        out.append(AlarmDraft(transit.id, transit.device_id, AlarmKind.SIGNAL_LOST, Severity.MEDIUM,
                              last + timedelta(seconds=policy.signal_timeout_s),
                              {"since": last.isoformat(), "last_position": [monitor.last_lon, monitor.last_lat]},
                              monitor.last_lon, monitor.last_lat))
    if not monitor.time_limit_alarmed and now > transit.deadline:
        monitor.time_limit_alarmed = True
        out.append(AlarmDraft(transit.id, transit.device_id, AlarmKind.TIME_LIMIT_EXCEEDED, Severity.HIGH,
                              transit.deadline, {"deadline": transit.deadline.isoformat(),
                                                 "last_position": [monitor.last_lon, monitor.last_lat]},
                              monitor.last_lon, monitor.last_lat))
    return out
