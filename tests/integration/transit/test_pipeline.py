"""The ingest pipeline against SQLite and PostgreSQL: positions in batches, insert-or-ignore, alarms once,
state changes audited, monitor state survives a fresh pipeline (a restarted worker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from smartcustoms.capabilities.transit import db
from smartcustoms.capabilities.transit.ingest import Pipeline
from smartcustoms.capabilities.transit.services import open_transit_as
from smartcustoms.capabilities.transit.simulation import open_command
from smartcustoms.devices.truck_sim import ROUTES, Anomaly, Truck, TruckPlan
from smartcustoms.platform import audit
from smartcustoms.platform.audit import Actor

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


def _count(runtime: Any, table: Any) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_trip_with_lock_opened_is_held_and_nothing_is_stored_twice(runtime: Any) -> None:
    plan = TruckPlan("13800000001", "EL00000001", "浙G12345", ROUTES["yiwu-ningbo"], START,
                     anomalies=(Anomaly("detour", at=0.3, duration_s=1800, offset_m=8000),
                                Anomaly("lock_open", at=0.6)))
    tid = open_transit_as(runtime, Actor.system("test"), open_command(plan, declaration_no="310020261000000001"))
    readings = list(Truck(plan).readings())
    pipeline = Pipeline(runtime)
    half = len(readings) // 2
    for i in range(0, half, 40):
        pipeline.ingest(readings[i:i + 40])
    # a restarted worker: new pipeline, overlapping redelivery of the last 60 readings, then the rest
    pipeline = Pipeline(runtime)
    again = pipeline.ingest(readings[half - 60: half])
    assert again.stored == 0 and again.duplicates == 60 and again.alarms == []
    for i in range(half, len(readings), 40):
        pipeline.ingest(readings[i:i + 40] + readings[i:i + 5])  # duplicates inside a batch, too
    assert _count(runtime, db.positions) == len(readings)
    with runtime.engine.connect() as conn:
        kinds = sorted(r.kind for r in conn.execute(select(db.alarms.c.kind)))
        transit = conn.execute(select(db.transits).where(db.transits.c.id == tid)).mappings().one()
        trip = conn.execute(select(db.trips).where(db.trips.c.transit_id == tid)).mappings().one()
        trail = audit.trail(conn, "transit", tid)
        count, breaks = audit.verify(conn)
    assert kinds == ["corridor_deviation", "lock_tamper"]
    assert transit["state"] == "held"
    assert transit["hold_reasons"] == ["transit.hold.lock_opened_outside_zone"]
    assert trip["positions"] == len(readings) and trip["distance_km"] > 150 and trip["ended_at"] is not None
    assert [e["action"] for e in trail] == ["transit.open", "transit.in_transit", "transit.arrived", "transit.held"]
    assert breaks == [] and count >= 6


def test_sweep_raises_signal_lost_once(runtime: Any, clock: Any) -> None:
    plan = TruckPlan("13800000002", "EL00000002", "浙G12346", ROUTES["yiwu-ningbo"], clock.now())
    open_transit_as(runtime, Actor.system("test"), open_command(plan))
    pipeline = Pipeline(runtime)
    pipeline.ingest(list(Truck(plan).readings())[:5])
    assert pipeline.sweep() == []
    clock.advance(minutes=20)
    assert [a["kind"] for a in pipeline.sweep()] == ["signal_lost"]
    clock.advance(minutes=20)
    assert Pipeline(runtime).sweep() == []
    assert _count(runtime, db.alarms) == 1


def test_readings_of_unknown_devices_are_kept_without_a_transit(runtime: Any) -> None:
    plan = TruckPlan("13899999999", "EL99999999", "浙G99999", ROUTES["yiwu-ningbo"], START)
    result = Pipeline(runtime).ingest(list(Truck(plan).readings())[:10])
    assert result.stored == 10 and result.alarms == []
    with runtime.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.positions).where(
            db.positions.c.transit_id.is_(None))).scalar_one() == 10
        rows = db.track(conn, ["13899999999"], START, START + timedelta(hours=1))
    assert [r["seq"] for r in rows] == list(range(10))


def test_warm_loads_active_transits(runtime: Any) -> None:
    plan = TruckPlan("13800000003", "EL00000003", "浙G12347", ROUTES["yiwu-yangshan"], START)
    open_transit_as(runtime, Actor.system("test"), open_command(plan))
    assert Pipeline(runtime).warm() == 1
