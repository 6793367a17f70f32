"""The demo history covers every state and is idempotent; the simulator submits and works the queue."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from smartcustoms.capabilities.declarations import db
from smartcustoms.capabilities.declarations.simulator import load_demo, make_simulator
from smartcustoms.capabilities.enterprise.demo import load_demo as load_enterprise_demo
from smartcustoms.platform import audit

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture(autouse=True)
def enterprises(runtime: Any, reference_data: Any) -> None:
    load_enterprise_demo(runtime)


def statuses(runtime: Any) -> dict[str, int]:
    t = db.declarations
    with runtime.engine.connect() as conn:
        return {s: int(n) for s, n in conn.execute(select(t.c.status, func.count()).group_by(t.c.status)).all()}


def test_demo_covers_every_state_and_is_idempotent(runtime: Any) -> None:
    load_demo(runtime)
    first = statuses(runtime)
    assert sum(first.values()) == 60
    assert set(first) >= {"released", "closed", "inspection_ordered", "inspected", "held"}
    load_demo(runtime)
    assert statuses(runtime) == first
    with runtime.engine.connect() as conn:
        assert audit.verify(conn)[1] == []


def test_simulator_submits_and_officers_work_the_queue(runtime: Any, clock: Any) -> None:
    tick = make_simulator(runtime, 5.0, seed=7)
    for _ in range(10):
        tick()
        clock.advance(seconds=30)
    counts = statuses(runtime)
    assert sum(counts.values()) > 10
    assert any(s in counts for s in ("inspected", "held", "closed"))


def test_demo_history_lies_in_the_past(runtime: Any, clock: Any) -> None:
    load_demo(runtime)
    t = db.declarations
    stamps = [getattr(t.c, f"{stage}_at") for stage in ("declared", "accepted", "screened", "inspection_ordered",
                                                        "inspected", "released", "held", "closed")]
    with runtime.engine.connect() as conn:
        latest = [v for row in conn.execute(select(*stamps)).all() for v in row if v is not None]
    assert latest and max(latest) <= clock.now()
