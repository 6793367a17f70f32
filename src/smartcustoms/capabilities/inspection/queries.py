"""Read models: task lists, the auditor's inspection record of a declaration (one timeline), and KPIs.
Other capabilities may import this module. No access checks here except where a `Principal` is passed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, select

from smartcustoms.capabilities.inspection import db
from smartcustoms.capabilities.inspection.domain import OPEN_STATES, Kpis, kpis
from smartcustoms.platform.audit import audit_log

T = db.tasks


def open_task_counts(conn: Connection) -> dict[str, int]:
    """Officer id → open inspection tasks (the workload risk's dispatch weighs)."""
    rows = conn.execute(select(T.c.officer_id, func.count()).where(
        T.c.state.in_([s.value for s in OPEN_STATES]), T.c.officer_id.is_not(None)).group_by(T.c.officer_id))
    return {str(o): int(n) for o, n in rows}


def tasks_of_officer(conn: Connection, officer_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(T).where(T.c.officer_id == officer_id, T.c.state.in_(
        [s.value for s in OPEN_STATES])).order_by(T.c.ordered_at)).mappings()
    return [dict(r) for r in rows]


def scan_marks(conn: Connection, task_id: str) -> list[dict[str, Any]]:
    """Scans a central image reviewer sent to manual inspection for this task, with their marked regions
    (oldest first). Officers only: callers must not show these to enterprises."""
    m = db.scan_marks
    rows = conn.execute(select(m).where(m.c.task_id == task_id).order_by(m.c.received_at, m.c.scan_id)).mappings()
    return [dict(r) for r in rows]


def awaiting_chief(conn: Connection, customs_scope: frozenset[str] | None) -> list[dict[str, Any]]:
    query = select(T, db.reports.c.judgement, db.reports.c.draw, db.reports.c.findings).join(
        db.reports, db.reports.c.task_id == T.c.id).where(T.c.state == "reported")
    out = []
    for r in conn.execute(query.order_by(T.c.reported_at)).mappings():
        if customs_scope is not None and r["customs_code"] not in customs_scope:
            continue
        if r["judgement"]["chief_approval"] or r["draw"].get("chief"):
            out.append(dict(r))
    return out


def record(conn: Connection, declaration_id: str) -> dict[str, Any]:
    """Everything inspection knows of a declaration, plus one timeline (oldest first) built from the audit log:
    who, when, where, photos and videos (with SHA-256), findings, draws and approvals."""
    tasks = [dict(r) for r in conn.execute(select(T).where(T.c.declaration_id == declaration_id)
                                           .order_by(T.c.ordered_at)).mappings()]
    ids = [t["id"] for t in tasks]
    reports = [dict(r) for r in conn.execute(select(db.reports).where(db.reports.c.task_id.in_(ids))).mappings()]
    media = [dict(r) for r in conn.execute(select(db.media).where(db.media.c.task_id.in_(ids))
                                           .order_by(db.media.c.uploaded_at)).mappings()]
    approvals = [dict(r) for r in conn.execute(select(db.approvals).where(db.approvals.c.task_id.in_(ids))
                                               .order_by(db.approvals.c.at)).mappings()]
    bookings = [dict(r) for r in conn.execute(select(db.bookings).where(db.bookings.c.task_id.in_(ids))).mappings()]
    booking_ids = [b["id"] for b in bookings]
    vehicles = [dict(r) for r in conn.execute(select(db.vehicles).where(
        db.vehicles.c.declaration_id == declaration_id)).mappings()]
    subjects = [*ids, *booking_ids, *[v["id"] for v in vehicles], declaration_id]
    entries = conn.execute(select(audit_log).where(and_(
        audit_log.c.subject_id.in_(subjects),
        audit_log.c.action.like("inspection.%") | audit_log.c.action.like("declarations.%")))
        .order_by(audit_log.c.seq)).mappings()
    timeline = [{"seq": e["seq"], "at": e["at"], "actor_id": e["actor_id"], "actor": e["actor_name"],
                 "action": e["action"], "subject_type": e["subject_type"], "subject_id": e["subject_id"],
                 "details": e["after"], "hash": e["hash"]} for e in entries]
    settlement = db.load(conn, db.settlements, declaration_id)
    return {"declaration_id": declaration_id, "tasks": tasks, "reports": reports, "media": media,
            "approvals": approvals, "bookings": bookings, "vehicles": vehicles, "settlement": settlement,
            "timeline": timeline}


def compute_kpis(conn: Connection, customs_scope: frozenset[str] | None = None) -> Kpis:
    rows = [dict(r) for r in conn.execute(select(T.c.declaration_id, T.c.kind, T.c.customs_code, T.c.claimed_at,
                                                 T.c.reported_at)).mappings()]
    if customs_scope is not None:
        rows = [r for r in rows if r["customs_code"] in customs_scope]
    decls = {r["declaration_id"] for r in rows}
    settled = [(s.outcome == "conform" and (s.declaration_status or "") == "released", bool(s.rechecked))
               for s in conn.execute(select(db.settlements)) if s.declaration_id in decls]
    durations = [(r["reported_at"] - r["claimed_at"]).total_seconds() for r in rows
                 if r["claimed_at"] and r["reported_at"]]
    return kpis(settled, durations, sum(1 for r in rows if r["kind"] == "inspection"),
                sum(1 for r in rows if r["kind"] == "recheck"))
