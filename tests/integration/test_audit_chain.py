"""Audit is tamper-evident: any edited or deleted entry is found by verify (and by the CLI)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from smartcustoms.platform import audit
from smartcustoms.platform.audit import Actor, audit_head, audit_log


def _write(runtime: Any, n: int) -> None:
    for i in range(n):
        with runtime.uow(Actor("u1", "officer.li")) as uow:
            uow.record("demo.change", "thing", f"T{i}", before={"v": i}, after={"v": i + 1, "amount": "12.30"})
            uow.commit()


def test_an_intact_chain_verifies(runtime: Any) -> None:
    _write(runtime, 5)
    with runtime.engine.connect() as conn:
        count, breaks = audit.verify(conn)
    assert (count, breaks) == (5, [])


def test_an_edited_entry_is_named(runtime: Any) -> None:
    _write(runtime, 5)
    with runtime.engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(after={"v": 999}))
        count, breaks = audit.verify(conn)
    assert audit.Break(3, "edited") in breaks


def test_a_deleted_entry_in_the_middle_is_named(runtime: Any) -> None:
    _write(runtime, 5)
    with runtime.engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
        _count, breaks = audit.verify(conn)
    assert audit.Break(2, "missing") in breaks


def test_a_deleted_last_entry_is_noticed_through_the_head(runtime: Any) -> None:
    _write(runtime, 4)
    with runtime.engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 4))
        _count, breaks = audit.verify(conn)
    assert breaks and breaks[-1].problem == "missing"


def test_a_rolled_back_unit_of_work_leaves_no_audit_entry(runtime: Any) -> None:
    with runtime.uow(Actor.system()) as uow:
        uow.record("demo.change", "thing", "T1", after={"v": 1})
        # no commit: leaving the block rolls back
    with runtime.engine.connect() as conn:
        assert conn.execute(select(audit_log)).first() is None
        assert conn.execute(select(audit_head)).first() is None


def test_audit_trail_of_one_subject(runtime: Any) -> None:
    _write(runtime, 3)
    with runtime.engine.connect() as conn:
        trail = audit.trail(conn, "thing", "T1")
    assert [e["action"] for e in trail] == ["demo.change"]
    assert trail[0]["actor_name"] == "officer.li"
