"""On PostgreSQL, two processes race for the same task: only one officer claims it, only one report is stored,
and the same report sent twice (same idempotency key) answers the same result without a second row."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from sqlalchemy import func, select

from smartcustoms.capabilities.inspection import db
from tests.e2e.inspection.helpers import CONFORM, order_inspection, report

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
CTX = multiprocessing.get_context("fork")


def _worker(settings: Any, user_id: str, what: str, task_id: str, body: dict[str, Any] | None,
            barrier: Any, out: Any) -> None:
    """In a fresh process: its own runtime and connection pool, then wait for the other process and act."""
    from smartcustoms.bootstrap import build_runtime
    from smartcustoms.capabilities.inspection import reports, services
    from smartcustoms.capabilities.inspection.commands import FindingIn, SubmitReport
    from smartcustoms.kernel.errors import DomainError
    from smartcustoms.platform.identity.services import principal_for_user
    from tests.e2e.inspection.helpers import png

    runtime = build_runtime(settings, mqtt=False)
    try:
        with runtime.engine.connect() as conn:
            who = principal_for_user(conn, user_id)
        assert who is not None
        barrier.wait(timeout=30)
        try:
            if what == "claim":
                out.put(("ok", services.do_claim(runtime, who, task_id)))
            else:
                assert body is not None
                cmd = SubmitReport(task_id, body["idempotency_key"], tuple(FindingIn(**f) for f in body["findings"]),
                                   signature_png=png(20, 10))
                result, created = reports.do_submit_report(runtime, who, cmd)
                out.put(("ok", f"{result['report_id']}:{created}"))
        except DomainError as exc:
            out.put(("refused", exc.key))
    finally:
        runtime.close()


def _race(runtime: Any, jobs: list[tuple[str, str, str, dict[str, Any] | None]]) -> list[tuple[str, str]]:
    barrier, out = CTX.Barrier(len(jobs)), CTX.Queue()
    procs = [CTX.Process(target=_worker, args=(runtime.settings, user, what, task, body, barrier, out))
             for user, what, task, body in jobs]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return sorted(results)


def test_two_processes_cannot_both_claim(runtime: Any, make_user: Any) -> None:
    _, task_id = order_inspection(runtime)  # no inspector exists yet: the task waits unassigned
    a, b = make_user("inspector", org_unit="3104"), make_user("inspector", org_unit="3104")
    results = _race(runtime, [(a.user_id, "claim", task_id, None), (b.user_id, "claim", task_id, None)])
    assert results == [("ok", "claimed"), ("refused", "inspection.already_claimed")] or results == [
        ("ok", "claimed"), ("refused", "inspection.changed_concurrently")]
    with runtime.engine.connect() as conn:
        row = db.load(conn, db.tasks, task_id)
    assert row is not None and row["state"] == "claimed" and row["officer_id"] in (a.user_id, b.user_id)


def _started(runtime: Any, make_user: Any) -> tuple[str, Any]:
    from smartcustoms.capabilities.inspection import services
    from smartcustoms.platform.identity.services import principal_for_user

    _, task_id = order_inspection(runtime)
    officer = make_user("inspector", org_unit="3104")
    with runtime.engine.connect() as conn:
        who = principal_for_user(conn, officer.user_id)
    assert who is not None
    services.do_start(runtime, who, task_id)
    return task_id, officer


def _reports(runtime: Any, task_id: str) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(db.reports)
                                .where(db.reports.c.task_id == task_id)).scalar_one())


def test_two_processes_cannot_both_submit(runtime: Any, make_user: Any) -> None:
    task_id, officer = _started(runtime, make_user)
    results = _race(runtime, [(officer.user_id, "report", task_id, report(*CONFORM)),
                              (officer.user_id, "report", task_id, report(*CONFORM))])
    assert [r[0] for r in results] == ["ok", "refused"] and results[0][1].endswith(":True")
    assert results[1][1] in ("inspection.changed_concurrently", "inspection.not_in_progress",
                             "inspection.already_reported")
    assert _reports(runtime, task_id) == 1


def test_a_resubmitted_report_is_not_doubled(runtime: Any, make_user: Any) -> None:
    task_id, officer = _started(runtime, make_user)
    body = report(*CONFORM)
    results = _race(runtime, [(officer.user_id, "report", task_id, body), (officer.user_id, "report", task_id, body)])
    ok = [r for r in results if r[0] == "ok"]
    report_ids = {r[1].split(":")[0] for r in ok}
    assert len(report_ids) == 1 and [r[1].split(":")[1] for r in ok].count("True") == 1
    assert all(r[1] in ("inspection.changed_concurrently", "inspection.not_in_progress")
               for r in results if r[0] == "refused")
    assert _reports(runtime, task_id) == 1
