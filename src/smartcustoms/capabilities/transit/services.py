"""Transit command handlers: `check_*` validates, `do_*` changes (unit of work + audit entry + event),
`access_*` loads with the role and scope check. Device input goes through `ingest.Pipeline`."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, or_, select, update

from smartcustoms.capabilities.transit import db
from smartcustoms.capabilities.transit.commands import (
    AcknowledgeAlarm,
    AssignAlarm,
    CloseAlarm,
    OpenTransit,
    ReleaseTransit,
    SiteInput,
)
from smartcustoms.capabilities.transit.domain import (
    AlarmStatus,
    Site,
    Transit,
    TransitState,
    Zone,
    check_alarm_transition,
)
from smartcustoms.capabilities.transit.events import AlarmHandled, TransitOpened, TransitStateChanged
from smartcustoms.capabilities.transit.plates import validate_plate
from smartcustoms.kernel.codes import CodeError, validate_container_number
from smartcustoms.kernel.errors import Conflict, FieldError, NotFound, PermissionDenied, collect
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime

READERS = (Role.MONITORING_OFFICER, Role.SECTION_CHIEF, Role.RISK_OFFICER, Role.ADMIN, Role.AUDITOR)
"""Who sees the monitoring centre. Enterprise users and brokers never do."""
HANDLERS = (Role.MONITORING_OFFICER, Role.SECTION_CHIEF, Role.ADMIN)
"""Who acknowledges, assigns and closes alarms, and opens transits. Auditors and risk officers only read."""
CHIEFS = (Role.SECTION_CHIEF, Role.ADMIN)
"""Who releases a held transit."""

_LOCK_RE = re.compile(r"^[A-Za-z0-9-]{4,32}$")
_DEVICE_RE = re.compile(r"^[0-9]{1,20}$")


def _coord_ok(p: Any) -> bool:
    try:
        lon, lat = float(p[0]), float(p[1])
    except (TypeError, ValueError, IndexError):
        return False
    return -180 <= lon <= 180 and -90 <= lat <= 90 and len(p) == 2


def _check_site(name: str, site: SiteInput, errors: list[FieldError]) -> None:
    if not site.code.strip() or not site.name.strip() or not 50 <= site.radius_m <= 10_000:
        errors.append(FieldError(name, "transit.site.invalid"))
    if not _coord_ok((site.lon, site.lat)):
        errors.append(FieldError(name, "transit.coordinate.invalid"))


def check_open_transit(cmd: OpenTransit) -> datetime | None:
    """Validate every field at once; return the parsed sealing time."""
    errors: list[FieldError] = []
    try:
        validate_plate(cmd.plate)
    except ValueError:
        errors.append(FieldError("plate", "transit.plate.invalid"))
    if not _LOCK_RE.match(cmd.lock_id):
        errors.append(FieldError("lock_id", "transit.lock_id.invalid"))
    if not (_DEVICE_RE.match(cmd.device_id) or cmd.device_id == cmd.lock_id):
        errors.append(FieldError("device_id", "transit.device_id.invalid"))
    if not cmd.containers:
        errors.append(FieldError("containers", "transit.containers.empty"))
    for i, number in enumerate(cmd.containers):
        try:
            validate_container_number(number)
        except CodeError as exc:
            errors.append(FieldError(f"containers.{i}", exc.key))
    _check_site("origin", cmd.origin, errors)
    _check_site("destination", cmd.destination, errors)
    if len(cmd.route) < 2:
        errors.append(FieldError("route", "transit.corridor.too_few_vertices"))
    if not all(_coord_ok(p) for p in cmd.route):
        errors.append(FieldError("route", "transit.coordinate.invalid"))
    if not 50 <= cmd.buffer_m <= 20_000:
        errors.append(FieldError("buffer_m", "transit.buffer.invalid"))
    if not 600 <= cmd.time_limit_s <= 7 * 86_400:
        errors.append(FieldError("time_limit_s", "transit.time_limit.invalid"))
    if not re.match(r"^[0-9]{4}$", cmd.customs_code):
        errors.append(FieldError("customs_code", "transit.customs_code.invalid"))
    for i, zone in enumerate(cmd.zones):
        if len(zone.ring) < 3:
            errors.append(FieldError(f"zones.{i}", "transit.zone.too_few_vertices"))
        if not all(_coord_ok(p) for p in zone.ring):
            errors.append(FieldError(f"zones.{i}", "transit.coordinate.invalid"))
    sealed_at = None
    if cmd.sealed_at:
        try:
            sealed_at = datetime.fromisoformat(cmd.sealed_at)
            if sealed_at.tzinfo is None:
                raise ValueError
        except ValueError:
            errors.append(FieldError("sealed_at", "transit.sealed_at.invalid"))
    collect(errors)
    return sealed_at.astimezone(UTC) if sealed_at else None


def covers(who: Principal, customs_code: str) -> bool:
    """An officer acts on transits supervised by a customs code in scope (their unit and the units below)."""
    return not who.is_enterprise and who.covers_customs(customs_code)


def require_role(who: Principal, roles: tuple[Role, ...]) -> None:
    if who.is_enterprise or not who.has(*roles):
        raise PermissionDenied("error.forbidden")


def do_open_transit(runtime: Runtime, who: Principal, cmd: OpenTransit) -> str:
    require_role(who, HANDLERS)
    check_open_transit(cmd)
    if not covers(who, cmd.customs_code):
        collect([FieldError("customs_code", "transit.customs_code.out_of_scope")])
    return open_transit_as(runtime, actor_of(who), cmd)


def open_transit_as(runtime: Runtime, actor: Actor, cmd: OpenTransit) -> str:
    """Open a transit on behalf of `actor` (an officer through `do_open_transit`, or the simulator)."""
    sealed_at = check_open_transit(cmd)
    with runtime.uow(actor) as uow:
        busy = uow.conn.execute(select(db.transits.c.id).where(
            db.transits.c.state.in_(db.ACTIVE_STATES),
            or_(db.transits.c.lock_id == cmd.lock_id, db.transits.c.device_id == cmd.device_id))).first()
        if busy is not None:
            raise Conflict("transit.lock.busy")
        transit = Transit(
            id=str(uuid.uuid4()), plate=validate_plate(cmd.plate), lock_id=cmd.lock_id, device_id=cmd.device_id,
            containers=tuple(validate_container_number(c) for c in cmd.containers),
            origin=Site(**cmd.origin.__dict__), destination=Site(**cmd.destination.__dict__),
            route=tuple((float(p[0]), float(p[1])) for p in cmd.route), buffer_m=float(cmd.buffer_m),
            time_limit_s=int(cmd.time_limit_s),
            zones=tuple(Zone(z.name, tuple((float(p[0]), float(p[1])) for p in z.ring)) for z in cmd.zones),
            customs_code=cmd.customs_code, opened_at=sealed_at or uow.now, declaration_no=cmd.declaration_no)
        db.insert_transit(uow.conn, transit, actor.id, uow.now)
        uow.record("transit.open", "transit", transit.id, after=db.transit_row(transit))
        uow.emit(TransitOpened(transit.id, transit.plate, transit.lock_id, transit.declaration_no))
        uow.commit()
    return transit.id


def access_transit(conn: Connection, who: Principal, transit_id: str) -> Transit:
    require_role(who, READERS)
    row = conn.execute(select(db.transits).where(db.transits.c.id == transit_id)).first()
    if row is None or not covers(who, row.customs_code):
        raise NotFound("transit.not_found")
    return db.transit_from_row(row)


def access_alarm(conn: Connection, who: Principal, alarm_id: str) -> dict[str, Any]:
    require_role(who, READERS)
    row = conn.execute(select(db.alarms).where(db.alarms.c.id == alarm_id)).mappings().first()
    if row is None or not covers(who, row["customs_code"]):
        raise NotFound("transit.alarm.not_found")
    return dict(row)


def _handle_alarm(runtime: Runtime, who: Principal, alarm_id: str, target: AlarmStatus, **values: Any) -> None:
    require_role(who, HANDLERS)
    with runtime.uow(actor_of(who)) as uow:
        before = access_alarm(uow.conn, who, alarm_id)
        check_alarm_transition(AlarmStatus(before["status"]), target)
        changes: dict[str, Any] = {"status": target.value, **values}
        if target is AlarmStatus.ACKNOWLEDGED:
            changes.update(acknowledged_by=who.username, acknowledged_at=uow.now)
        elif target is AlarmStatus.CLOSED:
            changes.update(closed_by=who.username, closed_at=uow.now)
        uow.conn.execute(update(db.alarms).where(db.alarms.c.id == alarm_id).values(**changes))
        keep = ("status", "assignee", "note", "acknowledged_by", "closed_by")
        uow.record(f"transit.alarm.{target.value}", "transit_alarm", alarm_id,
                   before={k: before[k] for k in keep}, after={k: changes.get(k, before[k]) for k in keep})
        uow.emit(AlarmHandled(alarm_id, target.value, who.username))
        uow.commit()


def do_acknowledge_alarm(runtime: Runtime, who: Principal, cmd: AcknowledgeAlarm) -> None:
    _handle_alarm(runtime, who, cmd.alarm_id, AlarmStatus.ACKNOWLEDGED, **({"note": cmd.note} if cmd.note else {}))


def do_assign_alarm(runtime: Runtime, who: Principal, cmd: AssignAlarm) -> None:
    if not cmd.assignee.strip():
        collect([FieldError("assignee", "transit.assignee.invalid")])
    _handle_alarm(runtime, who, cmd.alarm_id, AlarmStatus.ASSIGNED, assignee=cmd.assignee.strip()[:64],
                  **({"note": cmd.note} if cmd.note else {}))


def do_close_alarm(runtime: Runtime, who: Principal, cmd: CloseAlarm) -> None:
    if not cmd.note.strip():
        collect([FieldError("note", "transit.note.required")])
    _handle_alarm(runtime, who, cmd.alarm_id, AlarmStatus.CLOSED, note=cmd.note.strip())


def do_release_transit(runtime: Runtime, who: Principal, cmd: ReleaseTransit) -> None:
    require_role(who, CHIEFS)
    if not cmd.note.strip():
        collect([FieldError("note", "transit.note.required")])
    with runtime.uow(actor_of(who)) as uow:
        before = access_transit(uow.conn, who, cmd.transit_id)
        after = before.to(TransitState.CLOSED, uow.now)
        db.save_transit(uow.conn, after, None, uow.now)
        uow.record("transit.release", "transit", after.id, before={"state": before.state.value},
                   after={"state": after.state.value, "note": cmd.note.strip()})
        uow.emit(TransitStateChanged(after.id, after.state.value, uow.now.isoformat(), []))
        uow.commit()
