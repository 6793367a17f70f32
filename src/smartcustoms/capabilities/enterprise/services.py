"""Enterprise command handlers: `check_*` validates, `do_*` changes (one unit of work, audit entry, event),
`access_*` loads with the permission check.

Who may do what:
- register, update details: admin;  change credit grade: admin or risk officer;
- read one enterprise and its grade history: any customs officer; an enterprise user or broker only its own
  enterprise (another enterprise is 404, so existence does not leak);  list: customs officers only.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from smartcustoms.capabilities.enterprise import db
from smartcustoms.capabilities.enterprise.commands import ChangeCreditGrade, RegisterEnterprise, UpdateEnterprise
from smartcustoms.capabilities.enterprise.domain import (
    ADDRESS_MAX,
    NAME_MAX,
    REASON_MAX,
    CreditGrade,
    GradeRecord,
    check_customs_office,
    check_grade,
    check_kind,
    registration_errors,
)
from smartcustoms.capabilities.enterprise.events import CreditGradeChanged, EnterpriseRegistered, EnterpriseUpdated
from smartcustoms.capabilities.enterprise.queries import customs_today
from smartcustoms.capabilities.reference.queries import reference_sets
from smartcustoms.kernel.codes import validate_customs_code, validate_uscc
from smartcustoms.kernel.errors import Conflict, FieldError, NotFound, PermissionDenied, collect
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime

REGISTRARS = (Role.ADMIN,)
GRADERS = (Role.ADMIN, Role.RISK_OFFICER)

AUDITED = ("uscc", "customs_code", "name_zh", "name_en", "kind", "address", "registered_customs")


# --- access -------------------------------------------------------------------------------------------------
def can_read(who: Principal, enterprise_id: str) -> bool:
    if who.is_enterprise:
        return who.enterprise_id == enterprise_id
    return who.is_customs


def access_enterprise(conn: Connection, who: Principal, enterprise_id: str, on: date, *,
                      for_update: bool = False) -> dict[str, Any]:
    """The enterprise row (with its current grade) if `who` may read it; otherwise NotFound."""
    row = db.load(conn, enterprise_id, on, for_update=for_update) if can_read(who, enterprise_id) else None
    if row is None:
        raise NotFound("enterprise.not_found")
    return row


def access_list(who: Principal) -> None:
    if not who.is_customs:
        raise PermissionDenied("error.forbidden")


def require_registrar(who: Principal) -> None:
    _require(who, REGISTRARS)


def _require(who: Principal, roles: tuple[Role, ...]) -> None:
    if not who.has(*roles):
        raise PermissionDenied("error.forbidden")


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in AUDITED}


def _clean(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


# --- register -----------------------------------------------------------------------------------------------
def check_register(cmd: RegisterEnterprise, known_customs: frozenset[str], today: date) -> None:
    errors = registration_errors(uscc=cmd.uscc, customs_code=cmd.customs_code, name_zh=cmd.name_zh,
                                 name_en=cmd.name_en, kind=cmd.kind, address=cmd.address,
                                 registered_customs=cmd.registered_customs, credit_grade=cmd.credit_grade,
                                 known_customs=known_customs)
    if cmd.registered_on is not None and cmd.registered_on > today:
        errors.append(FieldError("registered_on", "enterprise.date_in_future"))
    collect(errors)


def do_register(runtime: Runtime, who: Principal, cmd: RegisterEnterprise) -> str:
    """Register an enterprise; its initial grade is in force from `registered_on`. Returns its id."""
    _require(who, REGISTRARS)
    with runtime.engine.connect() as conn:
        sets = reference_sets(conn)
    today = customs_today(runtime.clock)
    check_register(cmd, sets.customs_offices, today)
    registered_on = cmd.registered_on or today
    uscc, customs_code = validate_uscc(cmd.uscc), validate_customs_code(cmd.customs_code)
    with runtime.uow(actor_of(who)) as uow:
        if db.code_taken(uow.conn, "uscc", uscc):
            raise Conflict("enterprise.duplicate_uscc", value=uscc)
        if db.code_taken(uow.conn, "customs_code", customs_code):
            raise Conflict("enterprise.duplicate_customs_code", value=customs_code)
        enterprise_id = str(uuid.uuid4())
        row = {"id": enterprise_id, "uscc": uscc, "customs_code": customs_code, "name_zh": cmd.name_zh.strip(),
               "name_en": _clean(cmd.name_en), "kind": cmd.kind, "address": _clean(cmd.address),
               "registered_customs": cmd.registered_customs, "registered_on": registered_on, "registered_at": uow.now,
               "updated_at": uow.now}
        try:
            with uow.conn.begin_nested():
                db.insert(uow.conn, row)
        except IntegrityError:  # a concurrent registration of the same code committed first
            if db.code_taken(uow.conn, "uscc", uscc):
                raise Conflict("enterprise.duplicate_uscc", value=uscc) from None
            raise Conflict("enterprise.duplicate_customs_code", value=customs_code) from None
        grade = GradeRecord(CreditGrade(cmd.credit_grade), registered_on, "registered", who.username, uow.now)
        db.add_grade(uow.conn, enterprise_id, grade)
        uow.record("enterprise.registered", "enterprise", enterprise_id,
                   after={**_snapshot(row), "registered_on": registered_on.isoformat(),
                                "credit_grade": grade.grade.value}, tenant=enterprise_id)
        uow.emit(EnterpriseRegistered(enterprise_id, uscc, customs_code, cmd.kind, cmd.registered_customs))
        uow.commit()
    return enterprise_id


# --- update details -----------------------------------------------------------------------------------------
def check_update(cmd: UpdateEnterprise, known_customs: frozenset[str]) -> None:
    errors: list[FieldError] = []
    if cmd.name_zh is not None:
        if not cmd.name_zh.strip():
            errors.append(FieldError("name_zh", "field.required"))
        elif len(cmd.name_zh.strip()) > NAME_MAX:
            errors.append(FieldError("name_zh", "field.too_long", {"max": NAME_MAX}))
    if cmd.name_en is not None and len(cmd.name_en.strip()) > NAME_MAX:
        errors.append(FieldError("name_en", "field.too_long", {"max": NAME_MAX}))
    if cmd.address is not None and len(cmd.address.strip()) > ADDRESS_MAX:
        errors.append(FieldError("address", "field.too_long", {"max": ADDRESS_MAX}))
    if cmd.kind is not None:
        check_kind(errors, cmd.kind)
    if cmd.registered_customs is not None:
        check_customs_office(errors, "registered_customs", cmd.registered_customs, known_customs)
    collect(errors)


def do_update(runtime: Runtime, who: Principal, cmd: UpdateEnterprise) -> None:
    today = customs_today(runtime.clock)
    with runtime.engine.connect() as conn:
        access_enterprise(conn, who, cmd.enterprise_id, today)
        sets = reference_sets(conn)
    _require(who, REGISTRARS)
    check_update(cmd, sets.customs_offices)
    with runtime.uow(actor_of(who)) as uow:
        before = access_enterprise(uow.conn, who, cmd.enterprise_id, today, for_update=True)
        wanted = {"name_zh": cmd.name_zh.strip() if cmd.name_zh is not None else None,
                  "name_en": _clean(cmd.name_en) if cmd.name_en is not None else None,
                  "kind": cmd.kind, "address": _clean(cmd.address) if cmd.address is not None else None,
                  "registered_customs": cmd.registered_customs}
        given = {"name_zh": cmd.name_zh, "name_en": cmd.name_en, "kind": cmd.kind, "address": cmd.address,
                 "registered_customs": cmd.registered_customs}
        changes = {k: v for k, v in wanted.items() if given[k] is not None and before[k] != v}
        if not changes:
            return  # nothing to change: no audit entry, no event
        db.update_details(uow.conn, cmd.enterprise_id, {**changes, "updated_at": uow.now})
        after = {**before, **changes}
        uow.record("enterprise.updated", "enterprise", cmd.enterprise_id, before=_snapshot(before),
                   after=_snapshot(after), tenant=cmd.enterprise_id)
        uow.emit(EnterpriseUpdated(cmd.enterprise_id, tuple(sorted(changes))))
        uow.commit()


# --- change credit grade ------------------------------------------------------------------------------------
def check_change_grade(cmd: ChangeCreditGrade) -> None:
    errors: list[FieldError] = []
    check_grade(errors, "grade", cmd.grade)
    if not cmd.reason or not cmd.reason.strip():
        errors.append(FieldError("reason", "field.required"))
    elif len(cmd.reason.strip()) > REASON_MAX:
        errors.append(FieldError("reason", "field.too_long", {"max": REASON_MAX}))
    collect(errors)


def do_change_grade(runtime: Runtime, who: Principal, cmd: ChangeCreditGrade) -> None:
    """Record a grade in force from `effective_from` (may be past or future); the current grade follows."""
    today = customs_today(runtime.clock)
    with runtime.engine.connect() as conn:
        access_enterprise(conn, who, cmd.enterprise_id, today)
    _require(who, GRADERS)
    check_change_grade(cmd)
    with runtime.uow(actor_of(who)) as uow:
        before = access_enterprise(uow.conn, who, cmd.enterprise_id, today, for_update=True)
        record = GradeRecord(CreditGrade(cmd.grade), cmd.effective_from, cmd.reason.strip(), who.username, uow.now)
        db.add_grade(uow.conn, cmd.enterprise_id, record)
        uow.record("enterprise.credit_grade_changed", "enterprise", cmd.enterprise_id,
                   before={"credit_grade": before["credit_grade"]},
                   after={"grade": record.grade.value, "effective_from": record.effective_from.isoformat(),
                          "reason": record.reason}, tenant=cmd.enterprise_id)
        uow.emit(CreditGradeChanged(cmd.enterprise_id, before["uscc"], before["customs_code"], record.grade.value,
                                    before["credit_grade"], record.effective_from.isoformat()))
        uow.commit()
