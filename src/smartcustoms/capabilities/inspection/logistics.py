"""Inspection bookings by the enterprise (网络预约查验) with the terminal's container events, the fee exemptions
of problem-free inspections, and imported vehicles (整车进口): VIN, unpacking → inspection → storage, and the
import vehicle certificate after release."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update

from smartcustoms.capabilities.declarations.queries import get_declaration
from smartcustoms.capabilities.inspection import db
from smartcustoms.capabilities.inspection.commands import BookInspection, RegisterVehicle, TerminalEvent
from smartcustoms.kernel.codes import CodeError, validate_vin
from smartcustoms.kernel.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime

TERMINAL_EVENTS = ("container_moved", "unpacked")
VEHICLE_STEPS = ("unpacked", "inspected", "stored")


# --- bookings --------------------------------------------------------------------------------------------------
def do_book(runtime: Runtime, who: Principal, cmd: BookInspection) -> str:
    """An enterprise user of the declaration's trader books a slot at the inspection area."""
    if not who.is_enterprise:
        raise PermissionDenied("inspection.enterprise_only")
    errors = []
    if not cmd.area.strip():
        errors.append(FieldError("area", "inspection.area_required"))
    if cmd.slot_at <= runtime.clock.now():
        errors.append(FieldError("slot_at", "inspection.slot_past"))
    if errors:
        raise ValidationFailed(errors)
    booking_id = str(uuid.uuid4())
    with runtime.uow(actor_of(who)) as uow:
        task = db.load(uow.conn, db.tasks, cmd.task_id)
        if task is None or task["enterprise_id"] != who.enterprise_id:
            raise NotFound("inspection.task_not_found")
        taken = uow.conn.execute(select(db.bookings.c.id).where(
            db.bookings.c.area == cmd.area, db.bookings.c.slot_at == cmd.slot_at)).first()
        if taken:
            raise Conflict("inspection.slot_taken")
        values = {"id": booking_id, "task_id": cmd.task_id, "enterprise_id": task["enterprise_id"],
                  "booked_by": who.user_id, "terminal_enterprise_id": cmd.terminal_enterprise_id,
                  "area": cmd.area, "slot_at": cmd.slot_at, "contact": cmd.contact[:64], "status": "requested",
                  "events": [], "created_at": uow.now}
        uow.conn.execute(db.bookings.insert().values(**values))
        uow.record("inspection.booked", "inspection_booking", booking_id, tenant=task["enterprise_id"],
                   after={k: v for k, v in values.items() if k not in ("created_at", "slot_at")}
                   | {"slot_at": cmd.slot_at.isoformat()})
        uow.commit()
    return booking_id


def access_booking(conn: Any, who: Principal, booking_id: str) -> dict[str, Any]:
    row = db.load(conn, db.bookings, booking_id)
    if row is None:
        raise NotFound("inspection.booking_not_found")
    if who.is_enterprise:
        if who.enterprise_id in (row["enterprise_id"], row["terminal_enterprise_id"]):
            return row
        raise NotFound("inspection.booking_not_found")
    task = db.load(conn, db.tasks, row["task_id"])
    if task is None or not who.covers_customs(task["customs_code"]):
        raise NotFound("inspection.booking_not_found")
    return row


def do_confirm_booking(runtime: Runtime, who: Principal, booking_id: str) -> None:
    if not who.has(Role.INSPECTOR, Role.SECTION_CHIEF):
        raise PermissionDenied("inspection.officer_only")
    with runtime.uow(actor_of(who)) as uow:
        row = access_booking(uow.conn, who, booking_id)
        if row["status"] != "requested":
            raise Conflict("inspection.booking_confirmed")
        uow.conn.execute(update(db.bookings).where(db.bookings.c.id == booking_id, db.bookings.c.status ==
                                                   "requested").values(status="confirmed", confirmed_by=who.user_id,
                                                                       confirmed_at=uow.now))
        uow.record("inspection.booking_confirmed", "inspection_booking", booking_id, tenant=row["enterprise_id"],
                   before={"status": "requested"}, after={"status": "confirmed"})
        uow.commit()


def do_terminal_event(runtime: Runtime, who: Principal, cmd: TerminalEvent) -> None:
    """The terminal (an enterprise user of the booking's terminal operator) reports a container moved to the
    inspection area or unpacked."""
    if cmd.kind not in TERMINAL_EVENTS:
        raise ValidationFailed([FieldError("kind", "inspection.terminal_event_invalid", {"value": cmd.kind})])
    with runtime.uow(actor_of(who)) as uow:
        row = db.load(uow.conn, db.bookings, cmd.booking_id, for_update=True)
        if row is None or not who.is_enterprise or row["terminal_enterprise_id"] != who.enterprise_id:
            raise NotFound("inspection.booking_not_found")
        event = {"kind": cmd.kind, "container_no": cmd.container_no, "at": uow.now.isoformat(),
                 "by": who.user_id}
        uow.conn.execute(update(db.bookings).where(db.bookings.c.id == cmd.booking_id)
                         .values(events=[*row["events"], event]))
        uow.record(f"inspection.terminal_{cmd.kind}", "inspection_booking", cmd.booking_id,
                   tenant=row["enterprise_id"], after=event)
        uow.commit()


def list_bookings(runtime: Runtime, who: Principal) -> list[dict[str, Any]]:
    with runtime.engine.connect() as conn:
        query = select(db.bookings).order_by(db.bookings.c.slot_at)
        if who.is_enterprise:
            query = query.where((db.bookings.c.enterprise_id == who.enterprise_id)
                                | (db.bookings.c.terminal_enterprise_id == who.enterprise_id))
            return [dict(r) for r in conn.execute(query).mappings()]
        rows = conn.execute(query.add_columns(db.tasks.c.customs_code).join(
            db.tasks, db.tasks.c.id == db.bookings.c.task_id)).mappings()
        return [{k: v for k, v in r.items() if k != "customs_code"} for r in rows
                if who.covers_customs(r["customs_code"])]


def list_exemptions(runtime: Runtime, who: Principal) -> list[dict[str, Any]]:
    """An enterprise sees its own; customs officers (not enterprise users) see all, for the refund."""
    with runtime.engine.connect() as conn:
        query = select(db.fee_exemptions).order_by(db.fee_exemptions.c.recorded_at)
        if who.is_enterprise:
            query = query.where(db.fee_exemptions.c.enterprise_id == who.enterprise_id)
        return [dict(r) for r in conn.execute(query).mappings()]


# --- imported vehicles -----------------------------------------------------------------------------------------
def _officer(who: Principal) -> None:
    if not who.has(Role.INSPECTOR, Role.SECTION_CHIEF):
        raise PermissionDenied("inspection.officer_only")


def do_register_vehicle(runtime: Runtime, who: Principal, cmd: RegisterVehicle) -> str:
    _officer(who)
    try:
        vin = validate_vin(cmd.vin)
    except CodeError as exc:
        raise ValidationFailed([FieldError("vin", exc.key)]) from None
    vehicle_id = str(uuid.uuid4())
    with runtime.uow(actor_of(who)) as uow:
        decl = get_declaration(uow.conn, cmd.declaration_id)
        if decl is None or not who.covers_customs(decl.customs_code):
            raise NotFound("inspection.declaration_not_found")
        if uow.conn.execute(select(db.vehicles.c.id).where(db.vehicles.c.vin == vin)).first():
            raise Conflict("inspection.vin_taken", vin=vin)
        uow.conn.execute(db.vehicles.insert().values(
            id=vehicle_id, vin=vin, declaration_id=decl.id, enterprise_id=decl.trader_id,
            customs_code=decl.customs_code, model=cmd.model[:100], steps={}, created_at=uow.now))
        uow.record("inspection.vehicle_registered", "inspection_vehicle", vehicle_id, tenant=decl.trader_id,
                   after={"vin": vin, "declaration_id": decl.id})
        uow.commit()
    return vehicle_id


def access_vehicle(conn: Any, who: Principal, vehicle_id: str) -> dict[str, Any]:
    row = db.load(conn, db.vehicles, vehicle_id)
    if row is None:
        raise NotFound("inspection.vehicle_not_found")
    if who.is_enterprise and who.enterprise_id == row["enterprise_id"]:
        return row
    if who.is_customs and who.covers_customs(row["customs_code"]):
        return row
    raise NotFound("inspection.vehicle_not_found")


def do_vehicle_step(runtime: Runtime, who: Principal, vehicle_id: str, step: str) -> dict[str, Any]:
    """Unpacking → inspection → storage, in that order, each once."""
    _officer(who)
    if step not in VEHICLE_STEPS:
        raise ValidationFailed([FieldError("step", "inspection.vehicle_step_invalid", {"value": step})])
    with runtime.uow(actor_of(who)) as uow:
        row = access_vehicle(uow.conn, who, vehicle_id)
        steps = dict(row["steps"])
        expected = next((s for s in VEHICLE_STEPS if s not in steps), None)
        if step != expected:
            raise Conflict("inspection.vehicle_step_order", step=step, expected=expected or "-")
        steps[step] = {"at": uow.now.isoformat(), "by": who.user_id}
        uow.conn.execute(update(db.vehicles).where(db.vehicles.c.id == vehicle_id).values(steps=steps))
        uow.record(f"inspection.vehicle_{step}", "inspection_vehicle", vehicle_id, tenant=row["enterprise_id"],
                   after=steps[step])
        uow.commit()
    return steps


def do_issue_certificate(runtime: Runtime, who: Principal, vehicle_id: str) -> str:
    """The import vehicle certificate (进口机动车辆随车检验单), once the vehicle is stored and the declaration
    released. Numbered VC<year><6-digit sequence>."""
    _officer(who)
    with runtime.uow(actor_of(who)) as uow:
        row = access_vehicle(uow.conn, who, vehicle_id)
        if row["certificate_no"]:
            raise Conflict("inspection.certificate_issued", number=row["certificate_no"])
        if "stored" not in row["steps"]:
            raise Conflict("inspection.vehicle_not_stored")
        decl = get_declaration(uow.conn, row["declaration_id"])
        if decl is None or decl.released_at is None:
            raise Conflict("inspection.not_released")
        count = uow.conn.execute(select(func.count()).select_from(db.vehicles).where(
            db.vehicles.c.certificate_no.is_not(None))).scalar_one()
        number = f"VC{uow.now.year}{count + 1:06d}"
        uow.conn.execute(update(db.vehicles).where(db.vehicles.c.id == vehicle_id, db.vehicles.c.certificate_no
                                                   .is_(None)).values(certificate_no=number, certificate_at=uow.now))
        uow.record("inspection.certificate_issued", "inspection_vehicle", vehicle_id, tenant=row["enterprise_id"],
                   after={"certificate_no": number, "vin": row["vin"]})
        uow.commit()
    return number
