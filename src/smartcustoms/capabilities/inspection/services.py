"""Inspection command handlers: `check_*` validates, `do_*` changes (one unit of work, audited), `access_*`
loads with the permission check. Orders and tasks, officer assignment, claims, media and drafts; reports, draws,
approvals and the settlement are in `reports.py`."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from smartcustoms.capabilities.declarations.queries import declarations_of_container, get_declaration
from smartcustoms.capabilities.inspection import db
from smartcustoms.capabilities.inspection.commands import OrderInspection, UploadMedia
from smartcustoms.capabilities.inspection.domain import (
    Method,
    TaskAction,
    TaskState,
    least_loaded,
    media_limit,
    sniff_media,
)
from smartcustoms.capabilities.inspection.events import (
    TaskCreated,
)
from smartcustoms.capabilities.inspection.ports import DISPATCH
from smartcustoms.capabilities.inspection.queries import open_task_counts
from smartcustoms.kernel.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.identity.services import customs_scope
from smartcustoms.platform.identity.tables import users
from smartcustoms.platform.runtime import Runtime

log = logging.getLogger(__name__)
SYSTEM = Actor.system("inspection")
T = db.tasks
NO_DRAW = "no verifiable draw available"
PAST_INSPECTION = frozenset({"inspected", "released", "held", "closed"})


# --- access ----------------------------------------------------------------------------------------------------
def access_task(conn: Connection, who: Principal, task_id: str, *, for_update: bool = False,
                write: bool = False) -> dict[str, Any]:
    """Inspectors: their own tasks (and unassigned ones in scope, to claim); section chiefs: tasks in scope;
    auditors, risk officers, admins: read only in scope. Anyone else: 404."""
    row = db.load(conn, T, task_id, for_update=for_update)
    if row is None or who.is_enterprise or not who.covers_customs(row["customs_code"]):
        raise NotFound("inspection.task_not_found")
    if who.has(Role.SECTION_CHIEF):
        return row
    if who.has(Role.INSPECTOR):
        if row["officer_id"] == who.user_id or (row["officer_id"] is None and row["state"] == "ordered"):
            return row
        raise NotFound("inspection.task_not_found")
    if write:
        raise PermissionDenied("inspection.read_only")
    if who.has(Role.AUDITOR, Role.RISK_OFFICER, Role.ADMIN):
        return row
    raise NotFound("inspection.task_not_found")


def own(who: Principal, row: dict[str, Any]) -> None:
    if row["officer_id"] != who.user_id:
        raise NotFound("inspection.task_not_found")


# --- officers and assignment ------------------------------------------------------------------------------------
def eligible_officers(conn: Connection, customs_code: str) -> list[str]:
    rows = conn.execute(select(users.c.id, users.c.roles, users.c.org_unit).where(users.c.active.is_(True))).all()
    scopes: dict[str | None, frozenset[str] | None] = {}
    out = []
    for r in rows:
        if Role.INSPECTOR.value not in (r.roles or []):
            continue
        if r.org_unit not in scopes:
            scopes[r.org_unit] = customs_scope(conn, r.org_unit)
        scope = scopes[r.org_unit]
        if scope is None or customs_code in scope:
            out.append(str(r.id))
    return out


def choose_officer(runtime: Runtime, conn: Connection, declaration_id: str, customs_code: str,
                   exclude: tuple[str, ...] = ()) -> tuple[str | None, dict[str, Any]]:
    """A verifiable random assignment through ``risk.dispatch`` when installed; otherwise the documented
    least-loaded-then-lowest-id fallback (deterministic, recorded as such, never called random)."""
    candidates = [c for c in eligible_officers(conn, customs_code) if c not in exclude]
    loads = open_task_counts(conn)
    dispatch = runtime.ports.get(DISPATCH)
    if dispatch is not None and candidates:
        chosen = dispatch.assign(declaration_id, customs_code, candidates, loads)
        officer = getattr(chosen, "officer_id", chosen)
        return str(officer), {"method": "risk.dispatch", "evidence": getattr(chosen, "evidence", None)}
    officer = least_loaded(candidates, loads)
    return officer, {"method": "least_loaded", "random": False, "candidates": len(candidates),
                     "note": "least open tasks, then lowest id (no verifiable dispatch installed)"}


# --- orders and tasks ------------------------------------------------------------------------------------------
def _stamp(state: TaskState) -> str:
    return f"{state.value}_at"


def do_order(runtime: Runtime, actor: Actor, cmd: OrderInspection, *, kind: str = "inspection",
             parent_task_id: str | None = None, exclude: tuple[str, ...] = ()) -> str:
    """Create the task for a declaration's inspection order (idempotent: one per order). A later risk decision for
    the same declaration fills in the officer, methods and reasons while the task is not yet claimed."""
    if cmd.method not in {m.value for m in Method}:
        raise ValidationFailed([FieldError("method", "inspection.method_invalid", {"value": cmd.method})])
    order_key = f"{cmd.declaration_id}:inspection" if kind == "inspection" else f"{parent_task_id}:{kind}"
    with runtime.uow(actor) as uow:
        existing = uow.conn.execute(select(T).where(T.c.order_key == order_key)).mappings().first()
        if existing is not None:
            if cmd.source != "screening" and existing["state"] in ("ordered", "assigned"):
                changes: dict[str, Any] = {"source": cmd.source, "method": cmd.method,
                                           "unloading_method": cmd.unloading_method or existing["unloading_method"],
                                           "reasons": list(cmd.reasons) or existing["reasons"],
                                           "batch_id": cmd.batch_id}
                if cmd.instructions:
                    changes["instructions"] = cmd.instructions
                if cmd.officer_id:
                    changes.update(officer_id=cmd.officer_id, state="assigned",
                                   assigned_at=existing["assigned_at"] or uow.now,
                                   assignment={"method": "risk.dispatch", "batch_id": cmd.batch_id})
                uow.conn.execute(update(T).where(T.c.id == existing["id"]).values(**changes))
                uow.record("inspection.order_updated", "inspection_task", existing["id"],
                           before={k: existing[k] for k in changes if k in existing}, after=changes,
                           tenant=existing["enterprise_id"])
                uow.commit()
            return str(existing["id"])
        decl = get_declaration(uow.conn, cmd.declaration_id)
        if decl is None:
            raise NotFound("inspection.declaration_not_found")
        if kind == "inspection" and decl.status in PAST_INSPECTION:
            return ""  # an order delivered late (the declaration was inspected meanwhile): no task
        officer: str | None
        if cmd.officer_id:
            officer, assignment = cmd.officer_id, {"method": "risk.dispatch", "batch_id": cmd.batch_id}
        else:
            officer, assignment = choose_officer(runtime, uow.conn, decl.id, decl.customs_code, exclude)
        task_id = str(uuid.uuid4())
        targets = list(cmd.target_items) or list(range(1, decl.item_count + 1))
        row = {"id": task_id, "order_key": order_key, "kind": kind, "parent_task_id": parent_task_id,
               "declaration_id": decl.id, "declaration_number": decl.number, "customs_code": decl.customs_code,
               "enterprise_id": decl.trader_id, "source": cmd.source, "batch_id": cmd.batch_id,
               "method": cmd.method, "unloading_method": cmd.unloading_method, "target_items": targets,
               "instructions": cmd.instructions, "reasons": list(cmd.reasons), "officer_id": officer,
               "assignment": assignment, "state": "assigned" if officer else "ordered",
               "ordered_at": uow.now, "assigned_at": uow.now if officer else None}
        try:
            uow.conn.execute(T.insert().values(**row))
        except IntegrityError:  # a concurrent handler created it first
            uow.rollback()
            with runtime.engine.connect() as conn:
                return str(conn.execute(select(T.c.id).where(T.c.order_key == order_key)).scalar_one())
        uow.record("inspection.task_created", "inspection_task", task_id,
                   after={k: v for k, v in row.items() if not k.endswith("_at")}, tenant=decl.trader_id)
        uow.emit(TaskCreated(task_id, decl.id, kind, officer, uow.now))
        uow.commit()
    return task_id


def move_task(uow: Any, row: dict[str, Any], action: TaskAction, frm: tuple[str, ...], to: TaskState,
          **extra: Any) -> None:
    """Conditional update: the row changes only if it is still in one of `frm` (two officers or two processes
    cannot both succeed)."""
    values = {"state": to.value, _stamp(to): uow.now, **extra}
    result = uow.conn.execute(update(T).where(T.c.id == row["id"], T.c.state.in_(frm)).values(**values))
    if result.rowcount != 1:
        raise Conflict("inspection.changed_concurrently", action=action.value)
    uow.record(f"inspection.task_{action.value}", "inspection_task", row["id"],
               before={"state": row["state"]}, after={"state": to.value, **{k: v for k, v in extra.items()}},
               tenant=row["enterprise_id"])


def do_claim(runtime: Runtime, who: Principal, task_id: str) -> str:
    if not who.has(Role.INSPECTOR):
        raise PermissionDenied("inspection.inspector_only")
    with runtime.uow(actor_of(who)) as uow:
        try:
            row = access_task(uow.conn, who, task_id, for_update=True, write=True)
        except NotFound:
            # lost the race for an unassigned task in the officer's scope: say so (it was visible a moment ago)
            other = db.load(uow.conn, T, task_id)
            if other is not None and other["officer_id"] and who.covers_customs(other["customs_code"]) \
                    and (other["assignment"] or {}).get("method") == "claimed_from_pool":
                raise Conflict("inspection.already_claimed") from None
            raise
        if row["state"] == "ordered":
            values: dict[str, Any] = {"officer_id": who.user_id, "assigned_at": uow.now,
                                      "assignment": {"method": "claimed_from_pool"}}
            move_task(uow, row, TaskAction.CLAIM, ("ordered",), TaskState.CLAIMED, **values)
        elif row["state"] == "assigned" and row["officer_id"] == who.user_id:
            move_task(uow, row, TaskAction.CLAIM, ("assigned",), TaskState.CLAIMED)
        else:
            raise Conflict("inspection.already_claimed")
        uow.commit()
    return "claimed"


def do_start(runtime: Runtime, who: Principal, task_id: str) -> str:
    with runtime.engine.connect() as conn:
        row = access_task(conn, who, task_id, write=True)
    if row["state"] in ("ordered", "assigned"):
        do_claim(runtime, who, task_id)
    with runtime.uow(actor_of(who)) as uow:
        row = access_task(uow.conn, who, task_id, for_update=True, write=True)
        own(who, row)
        if row["state"] == "in_progress":
            return "in_progress"
        move_task(uow, row, TaskAction.START, ("claimed",), TaskState.IN_PROGRESS)
        uow.commit()
    return "in_progress"


# --- media and drafts ------------------------------------------------------------------------------------------
def check_media(data: bytes) -> str:
    kind = sniff_media(data)
    if not data:
        raise ValidationFailed([FieldError("file", "inspection.media_empty")])
    if kind is None:
        raise ValidationFailed([FieldError("file", "inspection.media_type")])
    if len(data) > media_limit(kind):
        raise ValidationFailed([FieldError("file", "inspection.media_size", {"max_mb": media_limit(kind) >> 20})])
    return kind


def do_upload(runtime: Runtime, who: Principal, cmd: UploadMedia) -> dict[str, Any]:
    with runtime.engine.connect() as conn:
        row = access_task(conn, who, cmd.task_id, write=True)
    own(who, row)
    if row["state"] not in ("claimed", "in_progress"):
        raise Conflict("inspection.not_in_progress", state=row["state"])
    content_type = check_media(cmd.data)
    ref = runtime.blobs.put(cmd.data)
    media_id = str(uuid.uuid4())
    with runtime.uow(actor_of(who)) as uow:
        values = {"id": media_id, "task_id": cmd.task_id, "sha256": ref.sha256, "content_type": content_type,
                  "size": ref.size, "filename": cmd.filename[:200], "uploaded_by": who.user_id,
                  "uploaded_at": uow.now, "taken_at": cmd.taken_at}
        uow.conn.execute(db.media.insert().values(**values))
        uow.record("inspection.media_uploaded", "inspection_task", cmd.task_id,
                   after={"media_id": media_id, "sha256": ref.sha256, "content_type": content_type,
                          "size": ref.size}, tenant=row["enterprise_id"])
        uow.commit()
    return {"id": media_id, "sha256": ref.sha256, "content_type": content_type, "size": ref.size,
            "uploaded_at": values["uploaded_at"]}


def do_save_draft(runtime: Runtime, who: Principal, task_id: str, body: dict[str, Any]) -> None:
    """Server-side draft (no audit entry: a draft is not a customs decision and is overwritten freely)."""
    with runtime.engine.begin() as conn:
        row = access_task(conn, who, task_id, write=True)
        own(who, row)
        key = {"task_id": task_id, "user_id": who.user_id}
        now = runtime.clock.now()
        if conn.execute(select(db.drafts.c.task_id).filter_by(**key)).first():
            conn.execute(update(db.drafts).filter_by(**key).values(body=body, updated_at=now))
        else:
            conn.execute(db.drafts.insert().values(**key, body=body, updated_at=now))


def get_draft(runtime: Runtime, who: Principal, task_id: str) -> dict[str, Any] | None:
    with runtime.engine.connect() as conn:
        access_task(conn, who, task_id)
        row = conn.execute(select(db.drafts.c.body).filter_by(task_id=task_id, user_id=who.user_id)).first()
    return dict(row.body) if row else None


# --- marked scan regions from central image review ------------------------------------------------------------
def _regions(raw: Any) -> list[dict[str, Any]]:
    out = []
    for r in raw or ():
        if not isinstance(r, dict):
            continue
        try:
            box = {k: float(r[k]) for k in ("x", "y", "w", "h")}
        except (KeyError, TypeError, ValueError):
            continue
        out.append({**{k: int(v) if v.is_integer() else v for k, v in box.items()},
                    "label": str(r.get("label") or "")[:64]})
    return out


def do_attach_scan(runtime: Runtime, event_id: str, payload: dict[str, Any]) -> str | None:
    """``imaging/manual_inspection_requested``: attach the scan and its marked regions to the declaration's
    inspection task, ordering one (machine + manual) when none exists yet. Idempotent on the scan id (one row per
    scan; a redelivered event changes nothing). Returns the task id, or None when there is nothing to attach to
    (no declaration, unknown declaration, or inspected meanwhile). A scan that names no declaration is matched
    through its container number to the one declaration not yet inspected whose manifest bill carries it."""
    declaration_id, scan_id = payload.get("declaration_id"), str(payload.get("scan_id") or "")
    if not scan_id:
        return None
    with runtime.engine.connect() as conn:
        if db.load(conn, db.scan_marks, scan_id) is not None:
            return None
        container = str(payload.get("container_number") or "")
        if not declaration_id and container:
            found = [d.id for d in declarations_of_container(conn, container) if d.status not in PAST_INSPECTION]
            if len(found) == 1:
                declaration_id = found[0]
            elif found:
                log.warning("scan %s: container %s is on %d open declarations; not attached", scan_id,
                            container, len(found))
        if not declaration_id:
            return None
        task_id = conn.execute(select(T.c.id).where(T.c.order_key == f"{declaration_id}:inspection")).scalar()
    if task_id is None:
        try:
            task_id = do_order(runtime, SYSTEM, OrderInspection(
                str(declaration_id), source="imaging", method=Method.BOTH.value,
                reasons=("imaging.manual_inspection_requested",)))
        except NotFound:
            log.warning("scan %s names unknown declaration %s", scan_id, declaration_id)
            return None
        if not task_id:
            return None
    regions = _regions(payload.get("regions"))
    with runtime.uow(SYSTEM) as uow:
        task = db.load(uow.conn, T, task_id)
        assert task is not None
        row = {"scan_id": scan_id, "task_id": task_id, "declaration_id": str(declaration_id),
               "event_id": event_id, "reviewer_id": str(payload.get("reviewer_id") or ""),
               "container_number": str(payload.get("container_number") or "")[:16], "regions": regions,
               "received_at": uow.now}
        try:
            uow.conn.execute(db.scan_marks.insert().values(**row))
        except IntegrityError:  # a concurrent delivery stored it first
            uow.rollback()
            return None
        # the audit entry names the scan, not the regions, and carries no tenant: enterprises never see regions
        uow.record("inspection.scan_regions_attached", "inspection_task", task_id,
                   after={"scan_id": scan_id, "reviewer_id": row["reviewer_id"],
                          "container_number": row["container_number"], "regions": len(regions)})
        uow.commit()
    return str(task_id)
