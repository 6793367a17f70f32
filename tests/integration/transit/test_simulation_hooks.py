"""The `make run` hooks: demo transits load once; the in-process simulator ticks trucks into the pipeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from smartcustoms.capabilities.transit import db
from smartcustoms.capabilities.transit.simulation import load_demo, make_simulator


def _count(runtime: Any, table: Any) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_demo_is_idempotent_and_shows_alarms(runtime: Any) -> None:
    load_demo(runtime)
    load_demo(runtime)
    assert _count(runtime, db.transits) == 4
    with runtime.engine.connect() as conn:
        kinds = sorted(r.kind for r in conn.execute(select(db.alarms.c.kind)))
    assert kinds == ["corridor_deviation", "lock_tamper"]


def test_simulator_ticks_feed_the_pipeline(runtime: Any) -> None:
    tick = make_simulator(runtime, 0.5)
    for _ in range(5):
        tick()
    assert _count(runtime, db.transits) == 4
    assert _count(runtime, db.positions) == 20
