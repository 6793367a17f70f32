"""The submission service on both databases: a concurrent duplicate voids the batch and stores nothing; events
leave through the outbox after commit and reach the bus."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from smartcustoms.capabilities.declarations import db, services
from smartcustoms.capabilities.declarations.commands import TransitionDeclaration
from smartcustoms.capabilities.declarations.ports import DIRECTORY
from smartcustoms.kernel.errors import Conflict, IllegalTransition
from smartcustoms.platform import audit, outbox
from smartcustoms.platform.identity.model import Principal, Role
from tests.unit.declarations.factories import TRADER, FakeDirectory, submission

TRADER_USER = Principal("u1", "u1", "u1", frozenset({Role.ENTERPRISE_USER}), enterprise_id=TRADER.id)
CHIEF = Principal("c1", "c1", "c1", frozenset({Role.SECTION_CHIEF, Role.INSPECTOR}), org_unit="3104",
                  customs_scope=frozenset({"3104"}))


@pytest.fixture(autouse=True)
def directory(runtime: Any) -> None:
    runtime.ports[DIRECTORY] = FakeDirectory()


def count(runtime: Any, table: Any) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_number_taken_concurrently_voids_the_batch(runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    services.do_submit(runtime, TRADER_USER, submission(5))
    monkeypatch.setattr(db, "existing_numbers", lambda conn, numbers: set())  # the check misses the race
    with pytest.raises(Conflict) as exc:
        services.do_submit_batch(runtime, TRADER_USER, [submission(6), submission(5)])
    assert exc.value.key == "declarations.duplicate_number_concurrent"
    assert count(runtime, db.declarations) == 1 and count(runtime, db.declaration_items) == 1
    with runtime.engine.connect() as conn:
        assert len(outbox.pending(conn)) == 4 and audit.verify(conn) == (4, [])


def test_events_reach_the_bus_after_commit_and_illegal_steps_change_nothing(runtime: Any) -> None:
    seen: list[str] = []
    runtime.bus.subscribe("*", lambda message: seen.append(message.topic))
    d = services.do_submit(runtime, TRADER_USER, submission(1))
    assert seen == []  # nothing leaves before the relay runs
    assert runtime.relay.drain() == 4
    assert seen == ["declarations/submitted", "declarations/accepted", "declarations/screened",
                    "declarations/released"]
    with pytest.raises(IllegalTransition):
        services.do_transition(runtime, CHIEF, TransitionDeclaration(d.id, "hold"))
    services.do_transition(runtime, CHIEF, TransitionDeclaration(d.id, "close"))
    runtime.relay.drain()
    assert seen[-1] == "declarations/closed"
    with runtime.engine.connect() as conn:
        row = db.load_row(conn, d.id)
        assert row is not None and row["status"] == "closed" and row["closed_at"] == runtime.clock.now()
        assert [e["action"] for e in audit.trail(conn, "declaration", d.id)][-1] == "declarations.close"


def test_read_models_for_other_capabilities(runtime: Any, clock: Any) -> None:
    from dataclasses import replace
    from datetime import timedelta

    from smartcustoms.capabilities.declarations import queries
    from tests.unit.declarations.factories import line

    start = clock.now()
    fast = services.do_submit(runtime, TRADER_USER, submission(1, items=2))
    slow = services.do_submit(runtime, TRADER_USER, replace(submission(2), items=(line(hs_code="9302000000"),)))
    clock.advance(hours=30)
    services.do_transition(runtime, CHIEF, TransitionDeclaration(slow.id, "record_inspection", "conform"))
    services.do_transition(runtime, CHIEF, TransitionDeclaration(slow.id, "release"))
    with runtime.engine.connect() as conn:
        view = queries.get_declaration(conn, fast.id)
        assert view is not None and view.hs_codes == ("8504401400", "8504401400") and view.status == "released"
        assert queries.find_by_number(conn, slow.number) == queries.get_declaration(conn, slow.id)
        stats = {s.channel: s for s in queries.clearance_stats(conn, start, start + timedelta(days=2))}
    assert stats["all"].count == 2 and stats["inspection"].over_24h == 1 and stats["release"].median_hours == 0
    assert stats["inspection"].mean_hours == 30.0
