"""Command handlers: check_* validates (see validation.py), do_* changes through a unit of work with an audit
entry per state change, access_* loads with the tenant / scope check.

Batch submission (``do_submit_batch``) is built for bulk work: one unit of work for the whole batch, the code
tables and every party enterprise looked up once, one query for duplicate numbers (the unique constraint is the
backstop), executemany inserts. The valid declarations of a batch are stored and the invalid ones are not; each
gets its own outcome.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from smartcustoms.capabilities.declarations import db
from smartcustoms.capabilities.declarations.commands import (
    AddAttachment,
    ApplyScreening,
    SubmitDeclaration,
    TransitionDeclaration,
)
from smartcustoms.capabilities.declarations.domain import (
    Action,
    Channel,
    Declaration,
    EnterpriseFacts,
    InspectionResult,
    Lifecycle,
    Reason,
    ScreeningResult,
    Status,
    after_screening,
    may_act,
    transition,
)
from smartcustoms.capabilities.declarations.events import (
    BY_STAGE,
    DeclarationAccepted,
    DeclarationInspected,
    DeclarationScreened,
    DeclarationSubmitted,
)
from smartcustoms.capabilities.declarations.ports import (
    DIRECTORY,
    RELEASE_GUARD,
    SCREENER,
    DeferredScreener,
    Directory,
    ReleaseGuard,
    Screener,
)
from smartcustoms.capabilities.declarations.validation import build_declaration, check_submission, party_codes
from smartcustoms.kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from smartcustoms.platform import audit
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime
from smartcustoms.platform.uow import UnitOfWork

MAX_BATCH = 500
SUBJECT = "declaration"


def new_id() -> str:
    return uuid.uuid4().hex


# --- access -----------------------------------------------------------------------------------------------------
def can_read(who: Principal, row: Mapping[str, Any]) -> bool:
    """Enterprise users and brokers: their enterprise is the trader, owner or declaring agent. Officers: the
    declaring customs office is within their scope."""
    if who.is_enterprise:
        return who.enterprise_id is not None and who.enterprise_id in (row["trader_id"], row["owner_id"],
                                                                         row["agent_id"])
    if who.is_customs:
        return who.covers_customs(row["customs_code"])
    return False


def access_declaration_row(conn: Connection, who: Principal, declaration_id: str, *,
                           for_update: bool = False) -> dict[str, Any]:
    """The declaration row if `who` may read it; NotFound otherwise (existence does not leak)."""
    row = db.load_row(conn, declaration_id, for_update=for_update)
    if row is None or not can_read(who, row):
        raise NotFound("declarations.not_found")
    return row


def access_declaration(conn: Connection, who: Principal, declaration_id: str) -> Declaration:
    row = access_declaration_row(conn, who, declaration_id)
    return db.declaration_of(row, db.load_items(conn, declaration_id))


# --- lifecycle steps inside a unit of work -----------------------------------------------------------------------
def _snapshot(lc: Lifecycle) -> dict[str, Any]:
    snap: dict[str, Any] = {"status": lc.status.value}
    if lc.status is Status.SCREENED:
        snap["channel"] = lc.channel.value if lc.channel else None
        snap["reasons"] = [r.rule for r in lc.reasons]
    if lc.status is Status.INSPECTED and lc.inspection_result:
        snap["result"] = lc.inspection_result.value
    return snap


def _emit_stage(uow: UnitOfWork, d: Declaration) -> None:
    lc = d.lifecycle
    at = lc.stamp(lc.status) or uow.now
    base: dict[str, Any] = {"declaration_id": d.id, "number": d.number, "customs_code": d.customs_code,
                            "trader_id": d.trader_id, "at": at}
    if lc.status is Status.SCREENED:
        uow.emit(DeclarationScreened(**base, channel=lc.channel.value if lc.channel else "",
                                     reasons=tuple(r.rule for r in lc.reasons)))
    elif lc.status is Status.INSPECTED:
        uow.emit(DeclarationInspected(**base, result=lc.inspection_result.value if lc.inspection_result else ""))
    else:
        uow.emit(BY_STAGE[lc.status.value](**base))


def _advance(uow: UnitOfWork, d: Declaration, action: Action, *, automatic: bool = False,
             note: str | None = None, **kwargs: Any) -> Declaration:
    new = replace(d, lifecycle=transition(d.lifecycle, action, uow.now, **kwargs))
    after = _snapshot(new.lifecycle)
    if automatic:
        after["automatic"] = True
    if note:
        after["note"] = note
    uow.record(f"declarations.{action.value}", SUBJECT, d.id, before={"status": d.lifecycle.status.value},
               after=after, tenant=d.trader_id)
    _emit_stage(uow, new)
    return new


def _declare_accept_screen(uow: UnitOfWork, d: Declaration, screener: Screener,
                           enterprises: Mapping[str, EnterpriseFacts]) -> Declaration:
    """Submission: declared, then (automatically) accepted, screened, and released or sent to inspection.
    One audit entry and one event per stage. Written for batches: the lifecycle advances on its own and the
    declaration is rebuilt once at the end."""
    at, tenant = uow.now, d.trader_id
    base: dict[str, Any] = {"declaration_id": d.id, "number": d.number, "customs_code": d.customs_code,
                            "trader_id": tenant, "at": at}
    uow.record("declarations.submit", SUBJECT, d.id, before=None,
               after={"status": "declared", "number": d.number, "items": len(d.items), "total": d.total_value,
                      "currency": d.currency}, tenant=tenant)
    uow.emit(DeclarationSubmitted(**base))
    accepted = transition(d.lifecycle, Action.ACCEPT, at)
    result = screener.screen(d, enterprises)
    after: dict[str, Any] = {"status": "accepted", "automatic": True}
    if result.pending:
        after["screening"] = "pending"
    uow.record("declarations.accept", SUBJECT, d.id, before={"status": "declared"}, after=after, tenant=tenant)
    uow.emit(DeclarationAccepted(**base))
    if result.pending:
        return replace(d, lifecycle=accepted)
    screened = transition(accepted, Action.SCREEN, at, screening=result)
    rules = [r.rule for r in result.reasons]
    uow.record("declarations.screen", SUBJECT, d.id, before={"status": "accepted"},
               after={"status": "screened", "channel": result.channel.value, "reasons": rules, "automatic": True},
               tenant=tenant)
    uow.emit(DeclarationScreened(**base, channel=result.channel.value, reasons=tuple(rules)))
    action = after_screening(screened)
    final = transition(screened, action, at)
    uow.record(f"declarations.{action.value}", SUBJECT, d.id, before={"status": "screened"},
               after={"status": final.status.value, "automatic": True}, tenant=tenant)
    uow.emit(BY_STAGE[final.status.value](**base))
    return replace(d, lifecycle=final)


# --- submission ---------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    """What became of one submission of a batch: created (with its declaration), invalid (its field errors),
    conflict (duplicate number) or forbidden (not the caller's enterprise)."""

    index: int
    result: str
    declaration: Declaration | None = None
    errors: list[FieldError] = field(default_factory=list)
    key: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def _may_submit(who: Principal, d: Declaration) -> bool:
    return who.enterprise_id is not None and who.enterprise_id in (d.trader_id, d.agent_id)


def do_submit_batch(runtime: Runtime, who: Principal, cmds: Sequence[SubmitDeclaration]) -> list[Outcome]:
    if not who.is_enterprise:
        raise PermissionDenied("declarations.enterprise_only")
    if len(cmds) > MAX_BATCH:
        raise ValidationFailed([FieldError("declarations", "declarations.batch_too_large", {"max": MAX_BATCH})])
    directory: Directory = runtime.port(DIRECTORY)
    screener: Screener = runtime.port(SCREENER)
    with runtime.uow(actor_of(who)) as uow:
        conn = uow.conn
        refs = directory.reference_sets(conn)
        by_code = directory.enterprises_by_code(conn, set().union(*(party_codes(c) for c in cmds)))
        by_id = {e.id: e for e in by_code.values()}
        taken = db.existing_numbers(conn, [c.number.strip() for c in cmds])
        bills = db.bills_by_number(conn, [c.bill_no for c in cmds if c.bill_no])
        outcomes: list[Outcome] = []
        rows: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        pending: list[Declaration] = []
        for index, cmd in enumerate(cmds):
            errors = check_submission(cmd, refs, by_code)
            if errors:
                outcomes.append(Outcome(index, "invalid", errors=errors, key="error.validation_failed",
                                        params={"count": len(errors)}))
                continue
            d = build_declaration(cmd, new_id(), by_code, uow.now)
            if not _may_submit(who, d):
                outcomes.append(Outcome(index, "forbidden", key="declarations.not_your_enterprise"))
                continue
            if d.number in taken or d.number in seen:
                outcomes.append(Outcome(index, "conflict", key="declarations.duplicate_number",
                                        params={"number": d.number}))
                continue
            seen.add(d.number)
            d = _declare_accept_screen(uow, d, screener, by_id)
            if d.lifecycle.status is Status.ACCEPTED:
                pending.append(d)
            rows.append(db.header_row(d, who.user_id, bills.get(d.bill_no or "")))
            items.extend(db.item_rows(d))
            outcomes.append(Outcome(index, "created", declaration=d))
        try:
            db.insert_declarations(conn, rows, items)
        except db.DuplicateKey:
            raise Conflict("declarations.duplicate_number_concurrent") from None
        if pending:
            deferred: DeferredScreener = screener  # type: ignore[assignment]
            deferred.defer(conn, pending, by_id)
        uow.commit()
    return outcomes


def do_submit(runtime: Runtime, who: Principal, cmd: SubmitDeclaration) -> Declaration:
    """One declaration: stored and screened, or an error (422 / 409 / 403) with nothing stored."""
    outcome = do_submit_batch(runtime, who, [cmd])[0]
    if outcome.result == "created" and outcome.declaration is not None:
        return outcome.declaration
    if outcome.result == "invalid":
        raise ValidationFailed(outcome.errors)
    if outcome.result == "conflict":
        raise Conflict(outcome.key or "declarations.duplicate_number", **outcome.params)
    raise PermissionDenied(outcome.key or "error.forbidden")


# --- officers' steps -----------------------------------------------------------------------------------------------
def _parse_action(value: str) -> Action:
    try:
        action = Action(value)
    except ValueError:
        raise NotFound("declarations.unknown_action", action=value) from None
    return action


def do_transition(runtime: Runtime, who: Principal, cmd: TransitionDeclaration) -> Declaration:
    action = _parse_action(cmd.action)
    with runtime.uow(actor_of(who)) as uow:
        row = access_declaration_row(uow.conn, who, cmd.declaration_id, for_update=True)
        d = db.declaration_of(row)
        if action in (Action.ACCEPT, Action.SCREEN):
            raise PermissionDenied("declarations.automatic_step", action=action.value)
        if not who.is_customs or not may_act(frozenset(r.value for r in who.roles), action, d.lifecycle.status):
            raise PermissionDenied("declarations.role_cannot", action=action.value)
        new = _step(runtime, uow, row, d, action, cmd, automatic=False)
        uow.commit()
    return new


def _step(runtime: Runtime, uow: UnitOfWork, row: Mapping[str, Any], d: Declaration, action: Action,
          cmd: TransitionDeclaration, *, automatic: bool) -> Declaration:
    """One lifecycle step, the same for officers and for the system: the inspection result is checked, a
    release is refused while the release guard (manifest locks) says no, and the save is conditional on the
    status read, so a concurrent change is refused rather than overwritten."""
    kwargs: dict[str, Any] = {}
    if action is Action.RECORD_INSPECTION:
        try:
            kwargs["result"] = InspectionResult(cmd.result or "")
        except ValueError:
            raise ValidationFailed([FieldError("result", "declarations.result_invalid",
                                               {"value": cmd.result or ""})]) from None
    if action is Action.RELEASE:
        _check_release(runtime, uow.conn, row)
    new = _advance(uow, d, action, automatic=automatic, note=cmd.note, **kwargs)
    if not db.save_lifecycle(uow.conn, d.id, new.lifecycle, expected=d.lifecycle.status):
        raise Conflict("declarations.changed_concurrently")
    return new


def do_automatic_transition(runtime: Runtime, actor: audit.Actor, cmd: TransitionDeclaration) -> Declaration:
    """A step taken by another capability on the system's behalf (a risk decision drawn for a batch, an
    inspection result approved by policy): no role check — the caller's own rules decided it — but the same
    state machine, the same audit entry (marked automatic) and the same events. Scope is the caller's concern."""
    action = _parse_action(cmd.action)
    if action is Action.ACCEPT:
        raise PermissionDenied("declarations.automatic_step", action=action.value)
    with runtime.uow(actor) as uow:
        row = db.load_row(uow.conn, cmd.declaration_id, for_update=True)
        if row is None:
            raise NotFound("declarations.not_found")
        new = _step(runtime, uow, row, db.declaration_of(row), action, cmd, automatic=True)
        uow.commit()
    return new


def _release_blocked(runtime: Runtime, conn: Connection, row: Mapping[str, Any]) -> tuple[str, dict[str, str]] | None:
    guard: ReleaseGuard | None = runtime.ports.get(RELEASE_GUARD)
    return guard.blocked(conn, row) if guard is not None else None


def _check_release(runtime: Runtime, conn: Connection, row: Mapping[str, Any]) -> None:
    """Refuse a release while the release guard (the risk capability: a locked manifest) says so."""
    blocked = _release_blocked(runtime, conn, row)
    if blocked is not None:
        raise Conflict(blocked[0], **blocked[1])


def do_apply_screening(runtime: Runtime, actor: audit.Actor, cmd: ApplyScreening) -> Declaration:
    """Apply a screening decision made after submission (a pending declaration, see `ScreeningResult.pending`):
    screen with the channel and reasons, then release or order inspection — each an automatic step with its
    audit entry and event. Idempotent under redelivery: a declaration already past `accepted` is only moved on
    if it still waits in `screened` (a release the release guard refused earlier); otherwise left as it is.
    A release the guard refuses leaves the declaration `screened`, with the reason in the audit entry."""
    try:
        channel = Channel(cmd.channel)
    except ValueError:
        raise ValidationFailed([FieldError("channel", "field.invalid")]) from None
    details = dict(cmd.details or {})
    with runtime.uow(actor) as uow:
        row = db.load_row(uow.conn, cmd.declaration_id, for_update=True)
        if row is None:
            raise NotFound("declarations.not_found")
        d = db.declaration_of(row)
        start = d.lifecycle.status
        if start is Status.ACCEPTED:
            result = ScreeningResult(channel, tuple(Reason(rule, key, dict(params))
                                                    for rule, key, params in cmd.reasons))
            d = _advance(uow, d, Action.SCREEN, automatic=True, screening=result)
            uow.record("declarations.screening_details", SUBJECT, d.id, after=details, tenant=d.trader_id)
        elif start is not Status.SCREENED:
            return d
        if d.lifecycle.channel is Channel.INSPECTION:
            d = _advance(uow, d, Action.ORDER_INSPECTION, automatic=True)
        else:
            blocked = _release_blocked(runtime, uow.conn, row)
            if blocked is None:
                d = _advance(uow, d, Action.RELEASE, automatic=True)
            elif start is Status.ACCEPTED:
                uow.record("declarations.release_blocked", SUBJECT, d.id,
                           after={"key": blocked[0], "params": blocked[1]}, tenant=d.trader_id)
        if d.lifecycle.status is not start:
            if not db.save_lifecycle(uow.conn, d.id, d.lifecycle, expected=start):
                raise Conflict("declarations.changed_concurrently")
            uow.commit()
    return d


class LifecyclePort:
    """Port ``declarations.lifecycle`` for capabilities that declare `depends_on=("declarations",)`:
    `officer(who, cmd)` acts for a logged-in officer (role and scope checked here), `automatic(actor, cmd)` for
    the system. `cmd` is a `commands.TransitionDeclaration`; both return the declaration's new status."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def officer(self, who: Principal, cmd: TransitionDeclaration) -> str:
        return do_transition(self.runtime, who, cmd).lifecycle.status.value

    def automatic(self, actor: audit.Actor, cmd: TransitionDeclaration) -> str:
        return do_automatic_transition(self.runtime, actor, cmd).lifecycle.status.value

    def apply_screening(self, actor: audit.Actor, cmd: ApplyScreening) -> str:
        """A deferred screening decision (see `do_apply_screening`)."""
        return do_apply_screening(self.runtime, actor, cmd).lifecycle.status.value


def clearance_hours(lc: Lifecycle) -> float | None:
    """Customs clearance time (trade-rules §5): acceptance → release, in hours."""
    if lc.accepted_at is None or lc.released_at is None:
        return None
    return round((lc.released_at - lc.accepted_at).total_seconds() / 3600, 2)


def timeline(d: Declaration, manifest_arrival: datetime | None) -> list[tuple[str, datetime]]:
    """The stages reached, oldest first, with the goods' arrival (from the linked manifest) when known."""
    stages = [(stage.value, at) for stage, at in d.lifecycle.stages()]
    if manifest_arrival is not None:
        stages.insert(0, ("arrived", manifest_arrival))
        stages.sort(key=lambda pair: pair[1])
    return stages


# --- paperless attachments (随附单证) --------------------------------------------------------------------------
ATTACHMENT_KINDS = ("invoice", "packing_list", "contract", "bill_of_lading", "other")
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"))


def sniff_content_type(data: bytes) -> str | None:
    """The content type from the file's first bytes (the client's claim is not trusted)."""
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def check_attachment(cmd: AddAttachment) -> str:
    errors: list[FieldError] = []
    if cmd.kind not in ATTACHMENT_KINDS:
        errors.append(FieldError("kind", "declarations.attachment_kind", {"value": cmd.kind}))
    if not 0 < len(cmd.data) <= MAX_ATTACHMENT_BYTES:
        errors.append(FieldError("file", "declarations.attachment_size", {"max_mb": MAX_ATTACHMENT_BYTES >> 20}))
    content_type = sniff_content_type(cmd.data)
    if content_type is None and cmd.data:
        errors.append(FieldError("file", "declarations.attachment_type"))
    if errors:
        raise ValidationFailed(errors)
    return str(content_type)


def _may_attach(who: Principal) -> bool:
    """Any party enterprise of the declaration, or an inspector / section chief in scope (auditors and other
    officers read only). Read access itself is checked by access_declaration_row first."""
    return who.is_enterprise or who.has(Role.INSPECTOR, Role.SECTION_CHIEF)


def do_add_attachment(runtime: Runtime, who: Principal, cmd: AddAttachment) -> dict[str, Any]:
    content_type = check_attachment(cmd)
    with runtime.uow(actor_of(who)) as uow:
        row = access_declaration_row(uow.conn, who, cmd.declaration_id)
        if not _may_attach(who):
            raise PermissionDenied("error.forbidden")
        if row["status"] == Status.CLOSED.value:
            raise Conflict("declarations.closed")
        ref = runtime.blobs.put(cmd.data)  # content-addressed: storing the same bytes twice is a no-op
        filename = (cmd.filename.replace("\\", "/").rsplit("/", 1)[-1] or "file")[:200]
        values = {"id": new_id(), "declaration_id": row["id"], "kind": cmd.kind, "filename": filename,
                  "content_type": content_type, "sha256": ref.sha256, "size": ref.size,
                  "uploaded_by": who.user_id, "uploaded_at": uow.now}
        uow.conn.execute(db.declaration_attachments.insert().values(**values))
        uow.record("declarations.attachment_added", SUBJECT, row["id"], before=None,
                   after={"attachment_id": values["id"], "kind": cmd.kind, "filename": filename,
                          "sha256": ref.sha256, "size": ref.size}, tenant=row["trader_id"])
        uow.commit()
    return values


def access_attachments(conn: Connection, who: Principal, declaration_id: str) -> list[dict[str, Any]]:
    access_declaration_row(conn, who, declaration_id)
    return db.attachments_of(conn, declaration_id)


def access_attachment_content(runtime: Runtime, who: Principal, declaration_id: str,
                              attachment_id: str) -> tuple[dict[str, Any], bytes]:
    """The attachment's record and bytes, verified against the recorded SHA-256."""
    with runtime.engine.connect() as conn:
        access_declaration_row(conn, who, declaration_id)
        row = db.attachment(conn, declaration_id, attachment_id)
    if row is None:
        raise NotFound("declarations.attachment_not_found")
    data = runtime.blobs.get(row["sha256"])
    if hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise Conflict("declarations.attachment_corrupt")
    return row, data


def access_list(conn: Connection, who: Principal, flt: db.ListFilter, page: int = 1, size: int = 50,
                directory: Directory | None = None) -> tuple[list[dict[str, Any]], int]:
    """Declarations the caller may read: an enterprise's own (trader, owner or agent), an officer's scope.
    A trader filter may be an enterprise id, a USCC or a customs code (resolved through `directory`)."""
    page, size = max(1, page), max(1, min(size, 200))
    if flt.trader and directory is not None:
        code = flt.trader.strip().upper()
        found = directory.enterprises_by_code(conn, [code]).get(code)
        if found is not None:
            flt = replace(flt, trader=found.id)
    if who.is_enterprise:
        return db.search(conn, enterprise_id=who.enterprise_id or "-", customs_scope=None, everything=False,
                         flt=flt, page=page, size=size)
    if who.is_customs:
        return db.search(conn, enterprise_id=None, customs_scope=who.customs_scope,
                         everything=who.customs_scope is None, flt=flt, page=page, size=size)
    return [], 0


def access_trail(conn: Connection, who: Principal, declaration_id: str) -> list[dict[str, Any]]:
    """The declaration's audit entries, oldest first (same read rule as the declaration)."""
    access_declaration_row(conn, who, declaration_id)
    return audit.trail(conn, SUBJECT, declaration_id)


def access_timeline(conn: Connection, who: Principal, declaration_id: str) -> list[tuple[str, datetime]]:
    row = access_declaration_row(conn, who, declaration_id)
    return timeline(db.declaration_of(row), db.arrival_of(conn, row["manifest_bill_id"]))
