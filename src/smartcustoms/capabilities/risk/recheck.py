"""Port ``risk.recheck`` for the inspection capability: the re-inspection and section-chief draws at report
submission (随机复查复验 / 科长核查), returned at once so the officer sees the result, and published as
``risk/recheck_drawn``. Risk also reacts to ``inspection/report_submitted`` with the same draw (idempotent:
a task is drawn once; a second call returns the first result)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from smartcustoms.capabilities.risk import db, services
from smartcustoms.capabilities.risk.commands import SubmitReport
from smartcustoms.capabilities.risk.domain.dispatch import RecheckOutcome
from smartcustoms.kernel.errors import Conflict, NotFound, ValidationFailed
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.outbox import Message
from smartcustoms.platform.runtime import Runtime

log = logging.getLogger(__name__)
DRAWER = Principal(user_id="system:risk-recheck", username="risk-recheck", display_name="复查抽取 recheck draw",
                   roles=frozenset({Role.RISK_OFFICER}))


class RecheckPort:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def draw(self, task: str | tuple[str, str], inspector_id: str) -> RecheckOutcome:
        """`task`: the task id (= declaration id; its latest batch is used) or (batch_id, task_id).
        NotFound when the task was never drawn; ValidationFailed when `inspector_id` is not its officer."""
        if isinstance(task, tuple):
            batch_id, task_id = task
        else:
            task_id = task
            with self.runtime.engine.connect() as conn:
                decision = db.decision_of(conn, task_id)
            if decision is None or not decision["selected"]:
                raise NotFound("risk.task.not_found")
            batch_id = decision["batch_id"]
        try:
            return services.do_submit_report(self.runtime, DRAWER, SubmitReport(batch_id, task_id, inspector_id))
        except Conflict:
            with self.runtime.engine.connect() as conn:
                t = db.risk_rechecks
                row = conn.execute(select(t).where(t.c.batch_id == batch_id, t.c.task_id == task_id)
                                   ).mappings().first()
            if row is None or row["inspector"] != inspector_id:
                raise
            return RecheckOutcome(task_id, row["inspector"], row["recheck"], row["recheck_officer"], row["chief"],
                                  row["chief_officer"])


def on_report_submitted(runtime: Runtime, message: Message) -> None:
    """Handler of ``inspection/report_submitted`` (batch_id, task_id, declaration_id, inspector_id, at)."""
    p = message.payload
    task = (p["batch_id"], p["task_id"]) if p.get("batch_id") else p["task_id"]
    try:
        RecheckPort(runtime).draw(task, p["inspector_id"])
    except NotFound:
        log.info("report on task %s: no risk task (not drawn by a batch)", p.get("task_id"))
    except ValidationFailed:
        log.warning("report on task %s by %s, who is not the drawn officer: no draw", p.get("task_id"),
                    p.get("inspector_id"))
