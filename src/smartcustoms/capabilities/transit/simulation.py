"""The `make run` simulator hook: a few trucks on the Yiwu → Ningbo and Yiwu → Yangshan routes, one with a detour
and one with a long stop, fed straight into the ingest pipeline (in-process, no broker needed). Simulated
device time runs 30× faster than the wall clock (one 30-second fix per truck per tick). When a truck arrives
its transit closes (or is held) and the truck starts a new trip.

The full network path — JT/T 808 over TCP and JSON over MQTT to the real servers — is
`smartcustoms transit simulate` (workers/truck_runner.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from smartcustoms.capabilities.transit.commands import OpenTransit, SiteInput
from smartcustoms.capabilities.transit.ingest import Pipeline
from smartcustoms.capabilities.transit.services import open_transit_as
from smartcustoms.devices.reading import Reading
from smartcustoms.devices.truck_sim import Anomaly, Truck, TruckPlan, fleet
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.runtime import Runtime

log = logging.getLogger(__name__)
CONTAINERS = ("CSQU3054383", "MSCU1234566", "TGHU7654320", "OOLU2345673")

DESTINATIONS = {"yiwu-ningbo": ("NBBL", "宁波北仑港 Beilun"), "yiwu-yangshan": ("SHYS", "洋山港 Yangshan")}


def open_command(plan: TruckPlan, declaration_no: str | None = None, buffer_m: float = 2000,
                 time_limit_s: int = 6 * 3600, customs_code: str = "3104", sealed_at: datetime | None = None
                 ) -> OpenTransit:
    """The transit declaration matching a simulated truck (also used by tests and the bench)."""
    route = plan.route.vertices
    code, name = DESTINATIONS.get(plan.route.code, ("DEST", plan.route.destination))
    return OpenTransit(
        plate=plan.plate, lock_id=plan.lock_id, device_id=plan.device_id,
        containers=[CONTAINERS[int(plan.device_id[-1:] or 0) % len(CONTAINERS)]],
        origin=SiteInput("YWSC", "义乌 Yiwu", route[0][0], route[0][1], 800),
        destination=SiteInput(code, name, route[-1][0], route[-1][1], 800),
        route=[(p[0], p[1]) for p in route], buffer_m=buffer_m, time_limit_s=time_limit_s, customs_code=customs_code,
        declaration_no=declaration_no, sealed_at=(sealed_at or plan.start).isoformat())


@dataclass
class _Running:
    plan: TruckPlan
    readings: Iterator[Reading]


def make_simulator(runtime: Runtime, rate: float) -> Callable[[], None]:
    trucks = max(2, min(6, round(rate * 8)))
    pipeline = Pipeline(runtime)
    actor = Actor.system("transit-simulator")
    running: list[_Running] = []
    trip_no = 0

    def start(plan: TruckPlan) -> _Running:
        nonlocal trip_no
        trip_no += 1
        from dataclasses import replace

        plan = replace(plan, start=runtime.clock.now())
        try:
            open_transit_as(runtime, actor, open_command(plan, declaration_no=f"3100202600000{trip_no:05d}"))
        except Exception as exc:  # the lock may still be on an open transit from an earlier run
            log.info("simulated transit for %s not opened: %s", plan.device_id, exc)
        pipeline.refresh()
        return _Running(plan, Truck(plan).readings())

    def tick() -> None:
        if not running:
            anomalies: dict[int, tuple[Anomaly, ...]] = {
                1: (Anomaly("detour", at=0.35, duration_s=1500, offset_m=7000),),
                2: (Anomaly("long_stop", at=0.5, duration_s=30 * 60),)}
            for plan in fleet(trucks, runtime.clock.now(), anomalies=anomalies, phone_base=13_900_000_000):
                running.append(start(plan))
        batch = []
        for i, truck in enumerate(running):
            reading = next(truck.readings, None)
            if reading is None:
                running[i] = start(truck.plan)
                continue
            batch.append(reading)
        if batch:
            pipeline.ingest(batch)

    return tick


DEMO_DECLARATIONS = ("310420260000100001", "310420260000100002", "310420260000100003", "310420260000100004")


def load_demo(runtime: Runtime) -> None:
    """`smartcustoms demo load`: four trucks part-way along their routes (one detoured, one with its lock opened
    on the road), so the monitoring centre and replay have something to show. Idempotent."""
    from datetime import timedelta

    from sqlalchemy import select

    from smartcustoms.capabilities.transit import db

    with runtime.engine.connect() as conn:
        if conn.execute(select(db.transits.c.id).where(db.transits.c.declaration_no.in_(DEMO_DECLARATIONS))).first():
            return
    start = runtime.clock.now() - timedelta(hours=2)
    anomalies: dict[int, tuple[Anomaly, ...]] = {
        1: (Anomaly("detour", at=0.3, duration_s=1500, offset_m=7000),), 2: (Anomaly("lock_open", at=0.4),)}
    plans = fleet(4, start, anomalies=anomalies, phone_base=13_700_000_000)
    actor = Actor.system("demo")
    pipeline = Pipeline(runtime)
    for plan, number in zip(plans, DEMO_DECLARATIONS, strict=True):
        open_transit_as(runtime, actor, open_command(plan, declaration_no=number))
        readings = [r for r in Truck(plan).readings() if r.device_time <= runtime.clock.now()]
        pipeline.refresh()
        for i in range(0, len(readings), 200):
            pipeline.ingest(readings[i:i + 200])
