"""Event handlers: inspection orders become tasks.

- ``declarations/screened`` (channel inspection) and ``declarations/inspection_ordered``: the current screener
  orders inspection synchronously; one task per declaration order (idempotent), officer from ``risk.dispatch``
  or the least-loaded fallback.
- ``risk/declaration_decided`` (selected): create the task for the drawn officer, or fill the officer,
  methods and reasons into the task the screening order already created.
- ``imaging/manual_inspection_requested`` (subscribed by topic; inspection does not import imaging, which is
  installed after it): attach the scan and the reviewer's marked regions to the declaration's inspection task,
  ordering one (machine + manual) if none exists; one row per scan id.
- ``risk/recheck_drawn``: store a draw that was not available at submission and create the re-inspection task.
All handlers are idempotent (the relay delivers at least once).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select

from smartcustoms.capabilities.inspection import db, reports, services
from smartcustoms.capabilities.inspection.commands import OrderInspection
from smartcustoms.platform.outbox import Message
from smartcustoms.platform.runtime import Runtime


def make_handlers(runtime: Runtime) -> Mapping[str, list[Callable[[Message], Any]]]:
    def on_screened(msg: Message) -> None:
        if msg.payload.get("channel") == "inspection":
            services.do_order(runtime, services.SYSTEM, OrderInspection(
                msg.payload["declaration_id"], reasons=tuple(str(r) for r in msg.payload.get("reasons") or ())))

    def on_ordered(msg: Message) -> None:
        services.do_order(runtime, services.SYSTEM, OrderInspection(msg.payload["declaration_id"]))

    def on_decided(msg: Message) -> None:
        p = msg.payload
        if not p.get("selected"):
            return
        method = p.get("inspection_method") or "manual"
        services.do_order(runtime, services.SYSTEM, OrderInspection(
            p["declaration_id"], source=str(p.get("source") or "risk"),
            method=method if method in ("machine", "manual", "both") else "manual",
            unloading_method=str(p.get("unloading_method") or ""),
            reasons=tuple(str(r) for r in p.get("reasons") or ()), officer_id=p.get("officer_id"),
            batch_id=str(p["batch_id"]) if p.get("batch_id") is not None else None))

    def on_recheck(msg: Message) -> None:
        p = msg.payload
        with runtime.engine.connect() as conn:
            rep = conn.execute(select(db.reports.c.draw).where(db.reports.c.task_id == p["task_id"])).first()
        if rep is None or rep.draw.get("status") not in ("pending",):
            return
        reports.apply_draw(runtime, p["task_id"], {
            "status": "drawn", "recheck": bool(p.get("recheck")), "recheck_officer": p.get("recheck_officer"),
            "chief": bool(p.get("chief")), "chief_officer": p.get("chief_officer"), "via": "risk/recheck_drawn"})
        with runtime.engine.connect() as conn:
            task = db.load(conn, db.tasks, p["task_id"])
        if task is not None:
            reports.settle(runtime, task["declaration_id"])

    def on_manual_requested(msg: Message) -> None:
        services.do_attach_scan(runtime, msg.event_id, dict(msg.payload))

    return {"imaging/manual_inspection_requested": [on_manual_requested],
            "declarations/screened": [on_screened], "declarations/inspection_ordered": [on_ordered],
            "risk/declaration_decided": [on_decided], "risk/recheck_drawn": [on_recheck]}
