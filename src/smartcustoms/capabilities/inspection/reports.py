"""Reports, draws, approvals and settlement: the officer's report (once per task, idempotent per key), the
re-inspection and chief-verification draws made at once, the section chief's decision, and the settlement that
moves the declaration on through the ``declarations.lifecycle`` port."""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from smartcustoms.capabilities.declarations.commands import TransitionDeclaration
from smartcustoms.capabilities.inspection import db
from smartcustoms.capabilities.inspection.commands import OrderInspection, SubmitReport
from smartcustoms.capabilities.inspection.domain import (
    DISCREPANCY_KINDS,
    OPEN_STATES,
    Finding,
    Judgement,
    TaskAction,
    TaskState,
    judge,
)
from smartcustoms.capabilities.inspection.events import FindingRecorded, InspectionSettled, ReportSubmitted
from smartcustoms.capabilities.inspection.ports import LIFECYCLE, RECHECK
from smartcustoms.capabilities.inspection.services import NO_DRAW, SYSTEM, T, access_task, do_order, move_task, own
from smartcustoms.kernel.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime

log = logging.getLogger(__name__)


# --- reports ---------------------------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n"


def check_report(cmd: SubmitReport) -> None:
    errors: list[FieldError] = []
    if not cmd.idempotency_key or len(cmd.idempotency_key) > 64:
        errors.append(FieldError("idempotency_key", "inspection.key_required"))
    if not cmd.findings:
        errors.append(FieldError("findings", "inspection.findings_required"))
    for i, f in enumerate(cmd.findings):
        if f.outcome not in ("conform", "discrepancy"):
            errors.append(FieldError(f"findings[{i}].outcome", "inspection.outcome_invalid", {"value": f.outcome}))
        elif f.outcome == "discrepancy" and f.kind not in DISCREPANCY_KINDS:
            errors.append(FieldError(f"findings[{i}].kind", "inspection.kind_invalid", {"value": f.kind}))
        elif f.outcome == "discrepancy" and f.kind == "other" and not f.note.strip():
            errors.append(FieldError(f"findings[{i}].note", "inspection.note_required"))
    for i, s in enumerate(cmd.samples):
        if not s.label.strip():
            errors.append(FieldError(f"samples[{i}].label", "inspection.sample_label"))
    if not cmd.signature_png or not cmd.signature_png.startswith(PNG):
        errors.append(FieldError("signature", "inspection.signature_required"))
    elif len(cmd.signature_png) > 2 * 1024 * 1024:
        errors.append(FieldError("signature", "inspection.media_size", {"max_mb": 2}))
    if errors:
        raise ValidationFailed(errors)


def report_result(conn: Connection, task_id: str) -> dict[str, Any]:
    rep = conn.execute(select(db.reports).where(db.reports.c.task_id == task_id)).mappings().first()
    task = db.load(conn, T, task_id)
    if rep is None or task is None:
        raise NotFound("inspection.task_not_found")
    settled = db.load(conn, db.settlements, task["declaration_id"])
    recheck = conn.execute(select(T.c.id, T.c.officer_id).where(T.c.parent_task_id == task_id)).first()
    return {"report_id": rep["id"], "task_id": task_id, "idempotency_key": rep["idempotency_key"],
            "state": task["state"], "draw": rep["draw"], "judgement": rep["judgement"],
            "recheck_task_id": recheck.id if recheck else None,
            "settlement": {"outcome": settled["outcome"], "declaration_status": settled["declaration_status"],
                           "disposals": settled["disposals"]} if settled else None}


def do_submit_report(runtime: Runtime, who: Principal, cmd: SubmitReport) -> tuple[dict[str, Any], bool]:
    """Store the report (once per task; a resubmission with the same idempotency key returns the first result),
    make the draws at once, judge the findings and settle the declaration when nothing is left open.
    Returns (result, created)."""
    with runtime.engine.connect() as conn:
        row = access_task(conn, who, cmd.task_id, write=True)
        own(who, row)
        same = conn.execute(select(db.reports.c.task_id, db.reports.c.inspector_id).where(
            db.reports.c.idempotency_key == cmd.idempotency_key)).first() if cmd.idempotency_key else None
    if same is not None:
        if same.task_id != cmd.task_id or same.inspector_id != who.user_id:
            raise Conflict("inspection.key_reused")
        with runtime.engine.connect() as conn:
            return report_result(conn, cmd.task_id), False
    check_report(cmd)
    findings = [Finding(f.item_seq, f.outcome, f.kind if f.outcome == "discrepancy" else "", f.note,
                        f.recovered_revenue) for f in cmd.findings]
    verdict = judge(findings)
    report_id = str(uuid.uuid4())
    with runtime.uow(actor_of(who)) as uow:
        row = access_task(uow.conn, who, cmd.task_id, for_update=True, write=True)
        own(who, row)
        if row["state"] != "in_progress":
            raise Conflict("inspection.not_in_progress", state=row["state"])
        known = set(uow.conn.execute(select(db.media.c.id).where(db.media.c.task_id == cmd.task_id)).scalars())
        unknown = [m for m in cmd.media_ids if m not in known]
        if unknown:
            raise ValidationFailed([FieldError("media_ids", "inspection.media_unknown")])
        targets = set(row["target_items"] or [])
        bad_items = [f.item_seq for f in findings if targets and f.item_seq not in targets]
        if bad_items:
            raise ValidationFailed([FieldError("findings", "inspection.item_unknown", {"value": bad_items[0]})])
        assert cmd.signature_png is not None
        move_task(uow, row, TaskAction.REPORT, ("in_progress",), TaskState.REPORTED)
        signature = runtime.blobs.put(cmd.signature_png)
        values = {"id": report_id, "task_id": cmd.task_id, "idempotency_key": cmd.idempotency_key,
                  "inspector_id": who.user_id, "findings": [asdict(f) for f in findings],
                  "samples": [asdict(s) for s in cmd.samples], "media_ids": list(cmd.media_ids),
                  "signature_sha256": signature.sha256, "note": cmd.note, "location": cmd.location[:128],
                  "submitted_at": uow.now, "draw": {"status": "pending"},
                  "judgement": {"discrepancy": verdict.discrepancy, "disposals": [d.value for d in verdict.disposals],
                                "chief_approval": verdict.chief_approval}}
        try:
            uow.conn.execute(db.reports.insert().values(**values))
        except IntegrityError:
            raise Conflict("inspection.already_reported") from None
        uow.record("inspection.report_submitted", "inspection_task", cmd.task_id,
                   after={k: v for k, v in values.items() if k != "submitted_at"}, tenant=row["enterprise_id"])
        uow.emit(ReportSubmitted(row["batch_id"], cmd.task_id, row["declaration_id"], who.user_id, uow.now))
        uow.commit()
    draw = make_draw(runtime, row, who.user_id)
    apply_draw(runtime, cmd.task_id, draw)
    settle(runtime, row["declaration_id"])
    with runtime.engine.connect() as conn:
        return report_result(conn, cmd.task_id), True


def make_draw(runtime: Runtime, task: dict[str, Any], inspector_id: str) -> dict[str, Any]:
    """The re-inspection and chief-verification draws, synchronously through ``risk.recheck``. A re-inspection
    task is not drawn again. Without the port: no draw, said plainly."""
    if task["kind"] != "inspection":
        return {"status": "not_drawn", "reason": "re-inspection task", "recheck": False, "chief": False}
    port = runtime.ports.get(RECHECK)
    if port is None:
        return {"status": "unavailable", "reason": NO_DRAW, "recheck": False, "chief": False}
    try:
        result = port.draw(task["batch_id"], task["id"], inspector_id)
    except Exception as exc:  # the report is stored; risk/recheck_drawn may still fill the draw in
        log.exception("re-inspection draw failed for task %s", task["id"])
        return {"status": "pending", "reason": f"draw failed: {exc.__class__.__name__}", "recheck": False,
                "chief": False}
    return {"status": "drawn", "recheck": bool(result.recheck), "recheck_officer": result.recheck_officer,
            "chief": bool(result.chief), "chief_officer": result.chief_officer,
            "evidence": getattr(result, "evidence", None)}


def apply_draw(runtime: Runtime, task_id: str, draw: dict[str, Any]) -> None:
    """Store the draw; create the re-inspection task (another officer) if drawn; approve automatically when
    neither the rules nor the chief draw ask for a section chief."""
    with runtime.engine.connect() as conn:
        task = db.load(conn, T, task_id)
        rep = conn.execute(select(db.reports).where(db.reports.c.task_id == task_id)).mappings().first()
    if task is None or rep is None or rep["draw"].get("status") not in ("pending", None):
        return
    recheck_task = None
    if draw.get("recheck"):
        recheck_task = do_order(runtime, SYSTEM, OrderInspection(
            task["declaration_id"], source="recheck", method=task["method"],
            unloading_method=task["unloading_method"], target_items=tuple(task["target_items"]),
            instructions=task["instructions"], reasons=("recheck",), officer_id=draw.get("recheck_officer"),
            batch_id=task["batch_id"]), kind="recheck", parent_task_id=task_id, exclude=(rep["inspector_id"],))
    with runtime.uow(SYSTEM) as uow:
        row = db.load(uow.conn, T, task_id, for_update=True)
        assert row is not None
        uow.conn.execute(update(db.reports).where(db.reports.c.task_id == task_id).values(draw=draw))
        uow.record("inspection.draw_recorded", "inspection_task", task_id,
                   after={**draw, "recheck_task_id": recheck_task}, tenant=row["enterprise_id"])
        if not rep["judgement"]["chief_approval"] and not draw.get("chief") and row["state"] == "reported":
            move_task(uow, row, TaskAction.APPROVE, ("reported",), TaskState.APPROVED)
        uow.commit()


def needs_chief(rep: dict[str, Any]) -> bool:
    return bool(rep["judgement"]["chief_approval"] or rep["draw"].get("chief"))


def do_decide(runtime: Runtime, who: Principal, task_id: str, decision: str, note: str = "") -> dict[str, Any]:
    if not who.has(Role.SECTION_CHIEF):
        raise PermissionDenied("inspection.chief_only")
    if decision not in ("approve", "reject"):
        raise ValidationFailed([FieldError("decision", "inspection.decision_invalid", {"value": decision})])
    if decision == "reject" and not note.strip():
        raise ValidationFailed([FieldError("note", "inspection.reason_required")])
    with runtime.uow(actor_of(who)) as uow:
        row = access_task(uow.conn, who, task_id, for_update=True, write=True)
        if row["state"] != "reported":
            raise Conflict("inspection.not_awaiting_approval", state=row["state"])
        action = TaskAction.APPROVE if decision == "approve" else TaskAction.REJECT
        target = TaskState.APPROVED if decision == "approve" else TaskState.REJECTED
        move_task(uow, row, action, ("reported",), target)
        uow.conn.execute(db.approvals.insert().values(id=str(uuid.uuid4()), task_id=task_id, chief_id=who.user_id,
                                                      decision=decision, note=note, at=uow.now))
        uow.commit()
    settle(runtime, row["declaration_id"])
    with runtime.engine.connect() as conn:
        return report_result(conn, task_id)


# --- settlement ------------------------------------------------------------------------------------------------
def settle(runtime: Runtime, declaration_id: str) -> str | None:
    """When every task of the declaration is approved or rejected: close them, record the outcome, the
    feedback events and (conform) the fee exemption, then move the declaration on: conform → record_inspection
    conform + release (automatic); discrepancies → record_inspection anomaly, then release when every disposal
    lets the goods go (amend declaration, supplementary tax) and nothing was rejected, else hold."""
    with runtime.uow(SYSTEM) as uow:
        rows = [dict(r) for r in uow.conn.execute(select(T).where(T.c.declaration_id == declaration_id)
                                                  .order_by(T.c.ordered_at)).mappings()]
        if not rows or any(r["state"] in {s.value for s in OPEN_STATES} for r in rows):
            return None
        if db.load(uow.conn, db.settlements, declaration_id) is not None:
            return None
        reports = {r["task_id"]: dict(r) for r in uow.conn.execute(select(db.reports).where(
            db.reports.c.task_id.in_([t["id"] for t in rows]))).mappings()}
        findings = [Finding(**f) for rep in reports.values() for f in rep["findings"]]
        verdict: Judgement = judge(findings)
        rejected = any(r["state"] == "rejected" for r in rows)
        conform = not verdict.discrepancy and not rejected
        release = conform or (verdict.releasable and not rejected)
        enterprise = rows[0]["enterprise_id"]
        disposals = [d.value for d in verdict.disposals] + (["hold"] if rejected and "hold" not in
                                                            [d.value for d in verdict.disposals] else [])
        try:
            uow.conn.execute(db.settlements.insert().values(
                declaration_id=declaration_id, enterprise_id=enterprise,
                outcome="conform" if conform else "discrepancy", disposals=disposals,
                rechecked=any(r["kind"] == "recheck" for r in rows), declaration_status=None, at=uow.now))
        except IntegrityError:
            return None
        for r in rows:
            if r["state"] in ("approved", "rejected"):
                move_task(uow, r, TaskAction.CLOSE, (r["state"],), TaskState.CLOSED)
        if conform:
            uow.emit(FindingRecorded(declaration_id, enterprise, "conform", "", "0"))
            original = next(r for r in rows if r["kind"] == "inspection")
            uow.conn.execute(db.fee_exemptions.insert().values(
                id=str(uuid.uuid4()), declaration_id=declaration_id, enterprise_id=enterprise,
                task_id=original["id"], fees=["lifting", "shifting", "storage"], status="recorded",
                recorded_at=uow.now))
            uow.record("inspection.fee_exemption_recorded", "declaration", declaration_id, tenant=enterprise,
                       after={"fees": ["lifting", "shifting", "storage"]})
        else:
            for f in findings:
                if f.outcome == "discrepancy":
                    uow.emit(FindingRecorded(declaration_id, enterprise, "discrepancy", f.kind, f.recovered_revenue))
        uow.record("inspection.settled", "declaration", declaration_id, tenant=enterprise,
                   after={"outcome": "conform" if conform else "discrepancy", "disposals": disposals,
                          "release": release})
        uow.emit(InspectionSettled(declaration_id, "conform" if conform else "discrepancy", tuple(disposals),
                                   uow.now))
        uow.commit()
    status = _move_declaration(runtime, declaration_id, conform, release)
    with runtime.engine.begin() as conn:
        conn.execute(update(db.settlements).where(db.settlements.c.declaration_id == declaration_id)
                     .values(declaration_status=status))
    return status


def _move_declaration(runtime: Runtime, declaration_id: str, conform: bool, release: bool) -> str:
    lifecycle = runtime.ports.get(LIFECYCLE)
    if lifecycle is None:
        return "lifecycle port missing"
    try:
        status = lifecycle.automatic(SYSTEM, TransitionDeclaration(
            declaration_id, "record_inspection", result="conform" if conform else "anomaly",
            note="inspection report"))
        status = lifecycle.automatic(SYSTEM, TransitionDeclaration(
            declaration_id, "release" if release else "hold", note="inspection settlement"))
        return str(status)
    except Exception as exc:  # the settlement stands; the lifecycle refusal is visible on the record
        log.warning("declaration %s not moved on: %s", declaration_id, exc)
        return f"refused: {getattr(exc, 'key', exc.__class__.__name__)}"
