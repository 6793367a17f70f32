"""The transit pipeline on simulated trips: a clean trip closes itself at the port; each anomaly raises its
alarm once, with evidence; a lock opened outside an authorised zone holds the transit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartcustoms.capabilities.transit import domain as d
from smartcustoms.capabilities.transit.plates import plate_kind, validate_plate
from smartcustoms.devices.reading import LockState, Reading
from smartcustoms.devices.truck_sim import ROUTES, Anomaly, Truck, TruckPlan

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


def _transit(route: str = "yiwu-ningbo", zones: tuple[d.Zone, ...] = ()) -> d.Transit:
    r = ROUTES[route]
    o, e = r.vertices[0], r.vertices[-1]
    return d.Transit(id="T1", plate="浙G12345", lock_id="EL00000001", device_id="13800000000",
                     containers=("CSQU3054383",), origin=d.Site("YW", "义乌", o[0], o[1], 800),
                     destination=d.Site("BL", "北仑", e[0], e[1], 800), route=r.vertices, buffer_m=2000,
                     time_limit_s=6 * 3600, zones=zones, customs_code="3100", opened_at=START)


def _run(plan: TruckPlan, transit: d.Transit | None = None, batch: int = 50,
         policy: d.Policy = d.Policy()) -> tuple[d.Transit, list[d.AlarmDraft], d.Monitor]:
    transit = transit or _transit(plan.route.code)
    geometry = d.compile_geometry(transit)
    monitor = d.Monitor()
    alarms: list[d.AlarmDraft] = []
    readings = list(Truck(plan).readings())
    for i in range(0, len(readings), batch):
        out = d.evaluate(transit, geometry, monitor, d.order_and_dedupe(readings[i:i + batch]), policy)
        alarms += out.alarms
        if out.transit is not None:
            transit = out.transit
    return transit, alarms, monitor


def _plan(*anomalies: Anomaly, route: str = "yiwu-ningbo", **kw: object) -> TruckPlan:
    return TruckPlan("13800000000", "EL00000001", "浙G12345", ROUTES[route], START, anomalies=anomalies,
                     **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("route", ["yiwu-ningbo", "yiwu-yangshan"])
def test_a_clean_trip_closes_automatically_at_the_port(route: str) -> None:
    transit, alarms, monitor = _run(_plan(route=route))
    assert alarms == []
    assert transit.state is d.TransitState.CLOSED
    assert transit.in_transit_at is not None and transit.arrived_at == transit.closed_at
    assert monitor.distance_m > 150_000


def test_a_detour_raises_one_deviation_alarm_with_the_positions() -> None:
    transit, alarms, _ = _run(_plan(Anomaly("detour", at=0.4, duration_s=1800, offset_m=8000)))
    kinds = [a.kind for a in alarms]
    assert kinds.count(d.AlarmKind.CORRIDOR_DEVIATION) == 1
    alarm = alarms[kinds.index(d.AlarmKind.CORRIDOR_DEVIATION)]
    assert alarm.severity is d.Severity.HIGH and len(alarm.evidence["positions"]) >= 2
    assert alarm.evidence["offset_m"] > 2000
    assert transit.state is d.TransitState.CLOSED  # deviation alone does not hold the lock verification


def test_a_long_stop_outside_a_zone_raises_an_unauthorised_stop() -> None:
    _, alarms, _ = _run(_plan(Anomaly("long_stop", at=0.5, duration_s=40 * 60)))
    stops = [a for a in alarms if a.kind is d.AlarmKind.UNAUTHORISED_STOP]
    assert len(stops) == 1 and stops[0].evidence["duration_s"] > 15 * 60


def test_a_lock_opened_outside_a_zone_raises_a_tamper_alarm_and_holds_the_transit() -> None:
    transit, alarms, _ = _run(_plan(Anomaly("lock_open", at=0.3)))
    tampers = [a for a in alarms if a.kind is d.AlarmKind.LOCK_TAMPER]
    assert len(tampers) == 1 and tampers[0].evidence["state"] == "opened"
    assert transit.state is d.TransitState.HELD
    assert transit.hold_reasons == ("transit.hold.lock_opened_outside_zone",)


def test_a_lock_opened_inside_an_authorised_zone_is_fine() -> None:
    r = ROUTES["yiwu-ningbo"]
    lon, lat = r.vertices[len(r.vertices) // 3]
    # a generous zone around the middle third of the route
    zone = d.Zone("义乌保税物流中心", ((lon - 0.5, lat - 0.5), (lon + 0.5, lat - 0.5), (lon + 0.5, lat + 0.5),
                                 (lon - 0.5, lat + 0.5)))
    transit, alarms, _ = _run(_plan(Anomaly("lock_open", at=0.3)), _transit(zones=(zone,)))
    assert [a for a in alarms if a.kind is d.AlarmKind.LOCK_TAMPER] == []
    assert transit.state is d.TransitState.CLOSED


def test_unsealing_at_the_destination_gate_is_authorised() -> None:
    transit, alarms, _ = _run(_plan(unseal_at_destination=True, dwell_at_destination_s=300))
    assert alarms == [] and transit.state is d.TransitState.CLOSED


def test_signal_gap_and_blind_area_upload() -> None:
    plan = _plan(Anomaly("signal_gap", at=0.5, duration_s=30 * 60, offset_m=0),
                 Anomaly("detour", at=0.5, duration_s=30 * 60, offset_m=9000))
    readings = list(Truck(plan).readings())
    live = [r for r in readings if not r.extras.get("blind")]
    blind = [r for r in readings if r.extras.get("blind")]
    assert blind
    transit = _transit()
    geometry, monitor = d.compile_geometry(transit), d.Monitor()
    cut = live.index(next(r for r in live if r.device_time > blind[-1].device_time)) + 3
    alarms = d.evaluate(transit, geometry, monitor, d.order_and_dedupe(live[:cut]), d.Policy()).alarms
    assert [a.kind for a in alarms] == [d.AlarmKind.SIGNAL_LOST]
    late = d.evaluate(transit, geometry, monitor, d.order_and_dedupe(blind), d.Policy()).alarms
    assert [a.kind for a in late] == [d.AlarmKind.CORRIDOR_DEVIATION] and late[0].evidence["blind_area"]


def test_speeding_low_battery_and_time_limit() -> None:
    plan = _plan(speed_kmh=120, battery_start_pct=22, battery_drain_pct_per_h=2)
    transit = replace(_transit(), time_limit_s=3600)
    _, alarms, _ = _run(plan, transit)
    kinds = {a.kind for a in alarms}
    assert {d.AlarmKind.SPEEDING, d.AlarmKind.LOW_BATTERY, d.AlarmKind.TIME_LIMIT_EXCEEDED} <= kinds
    assert len(alarms) == 3


def test_check_overdue_is_deterministic_and_raises_once() -> None:
    transit, monitor = _transit(), d.Monitor()
    now = START + timedelta(hours=7)
    first = d.check_overdue(transit, monitor, now, d.Policy())
    assert [a.kind for a in first] == [d.AlarmKind.SIGNAL_LOST, d.AlarmKind.TIME_LIMIT_EXCEEDED]
    assert first[0].raised_at == START + timedelta(seconds=600) and first[1].raised_at == transit.deadline
    assert d.check_overdue(transit, monitor, now + timedelta(hours=1), d.Policy()) == []
    assert d.Monitor.from_dict(monitor.to_dict()) == monitor


def test_order_and_dedupe() -> None:
    a = Reading("D", START + timedelta(seconds=30), 2)
    b = Reading("D", START, 1)
    assert d.order_and_dedupe([a, b, a, b]) == [b, a]
    assert d.order_and_dedupe([a, b], seen={b.key}) == [a]


@given(st.lists(st.tuples(st.sampled_from(["D1", "D2", "D3"]), st.integers(0, 5), st.integers(0, 3),
                          st.integers(0, 9)), max_size=60))
def test_each_key_once_the_first_received_in_device_time_order(items: list[tuple[str, int, int, int]]) -> None:
    # a re-delivered report has the same key (device, time, sequence) but may differ elsewhere: the first one stays
    readings = [Reading(dev, START + timedelta(seconds=10 * t), seq, heading=n) for dev, t, seq, n in items]
    first: dict[tuple[str, datetime, int], Reading] = {}
    for r in readings:
        first.setdefault(r.key, r)
    expected = sorted(first.values(), key=lambda r: (r.device_time, r.seq, r.device_id))
    got = d.order_and_dedupe(readings)
    assert [(r.key, r.heading) for r in got] == [(r.key, r.heading) for r in expected]


def test_foreign_lock_holds_at_arrival() -> None:
    plan = replace(_plan(), lock_id="EL99999999")
    transit, _, _ = _run(plan)
    assert transit.state is d.TransitState.HELD and "transit.hold.lock_mismatch" in transit.hold_reasons


def test_tampered_lock_is_critical_even_in_a_zone() -> None:
    transit, monitor = _transit(), d.Monitor()
    r = Reading("13800000000", START, 1, lat=29.306, lon=120.075, speed_kmh=0, lock_id="EL00000001",
                lock_state=LockState.TAMPERED)
    out = d.evaluate(transit, d.compile_geometry(transit), monitor, [r], d.Policy())
    assert [(a.kind, a.severity) for a in out.alarms] == [(d.AlarmKind.LOCK_TAMPER, d.Severity.CRITICAL)]


@pytest.mark.parametrize(("plate", "kind"), [
    ("浙G12345", "ordinary"), ("沪A1234挂", "ordinary"), ("粤Z1234港", "ordinary"), ("京AD12345", "nev_small"),
    ("粤B12345D", "nev_large"), ("粤BI2345", None), ("京AF0A123", None), ("XX12345", None), ("浙G1234", None)])
def test_plates_ga36_2018(plate: str, kind: str | None) -> None:
    assert plate_kind(plate) == kind
    if kind is None:
        with pytest.raises(ValueError):
            validate_plate(plate)
    else:
        assert validate_plate(plate.lower()) == plate


def test_transitions_are_checked() -> None:
    with pytest.raises(d.IllegalTransition):
        _transit().to(d.TransitState.CLOSED, START)
    with pytest.raises(d.IllegalTransition):
        d.check_alarm_transition(d.AlarmStatus.CLOSED, d.AlarmStatus.ACKNOWLEDGED)


def test_leaving_an_authorised_zone_with_the_lock_still_open_raises_once() -> None:
    r = ROUTES["yiwu-ningbo"]
    lon, lat = r.vertices[len(r.vertices) // 3]
    zone = d.Zone("查验场", ((lon - 0.5, lat - 0.5), (lon + 0.5, lat - 0.5), (lon + 0.5, lat + 0.5),
                          (lon - 0.5, lat + 0.5)))
    transit, alarms, _ = _run(_plan(Anomaly("lock_open", at=0.3, duration_s=24 * 3600)), _transit(zones=(zone,)))
    tampers = [a for a in alarms if a.kind is d.AlarmKind.LOCK_TAMPER]
    assert len(tampers) == 1 and tampers[0].evidence["in_authorised_zone"] is False
    assert transit.state is d.TransitState.HELD


def test_opened_resealed_and_opened_again_are_two_episodes() -> None:
    _, alarms, _ = _run(_plan(Anomaly("lock_open", at=0.2, duration_s=600), Anomaly("lock_open", at=0.6)))
    assert [a.kind for a in alarms].count(d.AlarmKind.LOCK_TAMPER) == 2


def test_lock_opened_during_a_signal_gap_shows_in_the_blind_area_upload() -> None:
    plan = _plan(Anomaly("signal_gap", at=0.5, duration_s=30 * 60, offset_m=0),
                 Anomaly("lock_open", at=0.55, duration_s=300))
    readings = list(Truck(plan).readings())
    live = [r for r in readings if not r.extras.get("blind")]
    blind = [r for r in readings if r.extras.get("blind")]
    transit = _transit()
    geometry, monitor = d.compile_geometry(transit), d.Monitor()
    d.evaluate(transit, geometry, monitor, d.order_and_dedupe(live), d.Policy())
    late = d.evaluate(transit, geometry, monitor, d.order_and_dedupe(blind), d.Policy()).alarms
    tampers = [a for a in late if a.kind is d.AlarmKind.LOCK_TAMPER]
    assert len(tampers) == 1 and tampers[0].evidence["blind_area"] is True
