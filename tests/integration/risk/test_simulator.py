"""`make run`: the declarations simulator submits, the risk simulator closes due batches with simulated dice,
and the decisions reach the declarations within a few ticks (declared → accepted → screened → released /
inspection_ordered)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from smartcustoms.bootstrap.demo import load_demo_officers
from smartcustoms.capabilities.declarations import db as ddb
from smartcustoms.capabilities.declarations.simulator import make_simulator as declarations_simulator
from smartcustoms.capabilities.enterprise.demo import load_demo as load_enterprise_demo
from smartcustoms.capabilities.risk import db
from smartcustoms.capabilities.risk.batching import make_simulator
from smartcustoms.capabilities.risk.services import verify_batch
from tests.reference_data import reference_data  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("reference_data")


def test_simulated_declarations_are_decided_within_seconds(runtime: Any, clock: Any, org_tree: None) -> None:
    load_enterprise_demo(runtime)
    load_demo_officers(runtime)
    submit, close = declarations_simulator(runtime, 3.0, seed=11), make_simulator(runtime, 3.0)
    for _ in range(6):
        submit()
        close()
        runtime.relay.drain()
        clock.advance(seconds=2)
    t = ddb.declarations
    with runtime.engine.connect() as conn:
        counts = dict(conn.execute(select(t.c.status, func.count()).group_by(t.c.status)).all())
        batches = db.list_batches(conn, None)
        drawn = [b["id"] for b in batches if b["status"] == "drawn"]
        assert drawn and all(verify_batch(conn, b) == [] for b in drawn)
    assert counts.get("released", 0) + counts.get("inspection_ordered", 0) > 0, counts
    assert counts.get("accepted", 0) < sum(counts.values())  # the latest may still wait for their batch
