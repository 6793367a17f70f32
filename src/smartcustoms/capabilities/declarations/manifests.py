"""Manifests (舱单): filing with bills of lading (提运单) and containers (ISO 6346), and reading them.
check_* validates every field at once; do_* stores through a unit of work; access_* reads with the tenant /
scope check (the filing enterprise, or officers whose scope covers the port)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from smartcustoms.capabilities.declarations import db
from smartcustoms.capabilities.declarations.commands import FileManifest
from smartcustoms.capabilities.declarations.domain import CodeSets
from smartcustoms.capabilities.declarations.ports import DIRECTORY, Directory
from smartcustoms.capabilities.declarations.services import new_id
from smartcustoms.kernel.codes import CodeError, validate_container_number
from smartcustoms.kernel.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal
from smartcustoms.platform.runtime import Runtime

MAX_BILLS = 1000
SUBJECT = "manifest"


def check_manifest(cmd: FileManifest, refs: CodeSets) -> tuple[list[FieldError], list[list[str]]]:
    """Field errors, and each bill's normalised container numbers."""
    errors: list[FieldError] = []
    if not cmd.number.strip():
        errors.append(FieldError("number", "field.required"))
    if cmd.transport_mode not in refs.transport_modes:
        errors.append(FieldError("transport_mode", "declarations.unknown_transport_mode",
                                 {"value": cmd.transport_mode}))
    if cmd.port_code not in refs.customs_offices:
        errors.append(FieldError("port_code", "declarations.unknown_port", {"value": cmd.port_code}))
    if not 1 <= len(cmd.bills) <= MAX_BILLS:
        errors.append(FieldError("bills", "declarations.bills_count", {"max": MAX_BILLS}))
    containers: list[list[str]] = []
    seen: set[str] = set()
    for i, bill in enumerate(cmd.bills):
        p = f"bills.{i}"
        if not bill.bill_no.strip():
            errors.append(FieldError(f"{p}.bill_no", "field.required"))
        elif bill.bill_no.strip() in seen:
            errors.append(FieldError(f"{p}.bill_no", "declarations.bill_duplicate", {"bill_no": bill.bill_no}))
        seen.add(bill.bill_no.strip())
        if bill.packages < 1:
            errors.append(FieldError(f"{p}.packages", "field.not_positive"))
        if bill.gross_weight <= 0:
            errors.append(FieldError(f"{p}.gross_weight", "field.not_positive"))
        numbers: list[str] = []
        for j, raw in enumerate(bill.containers):
            try:
                number = validate_container_number(raw)
            except CodeError as exc:
                errors.append(FieldError(f"{p}.containers.{j}", exc.key, {"value": raw}))
            else:
                if number not in numbers:
                    numbers.append(number)
        containers.append(numbers)
    return errors, containers


def do_file_manifest(runtime: Runtime, who: Principal, cmd: FileManifest) -> str:
    if not who.is_enterprise or who.enterprise_id is None:
        raise PermissionDenied("declarations.manifest_enterprise_only")
    directory: Directory = runtime.port(DIRECTORY)
    with runtime.uow(actor_of(who)) as uow:
        conn = uow.conn
        errors, containers = check_manifest(cmd, directory.reference_sets(conn))
        if errors:
            raise ValidationFailed(errors)
        number = cmd.number.strip()
        if conn.execute(select(db.manifests.c.id).where(db.manifests.c.number == number)).first():
            raise Conflict("declarations.manifest_duplicate", number=number)
        bill_nos = [b.bill_no.strip() for b in cmd.bills]
        taken = sorted(db.bills_by_number(conn, bill_nos))
        if taken:
            raise Conflict("declarations.bill_duplicate", bill_no=taken[0])
        manifest_id = new_id()
        bill_rows = [{"id": new_id(), "manifest_id": manifest_id, "bill_no": bill.bill_no.strip(),
                      "shipper": bill.shipper, "consignee": bill.consignee,
                      "goods_description": bill.goods_description, "packages": bill.packages,
                      "gross_weight": bill.gross_weight} for bill in cmd.bills]
        try:
            conn.execute(db.manifests.insert().values(
                id=manifest_id, number=number, transport_mode=cmd.transport_mode, transport_name=cmd.transport_name,
                voyage=cmd.voyage, port_code=cmd.port_code, arrival_at=cmd.arrival_at, filer_id=who.enterprise_id,
                filed_by=who.user_id, filed_at=uow.now))
            conn.execute(db.manifest_bills.insert(), bill_rows)
            container_rows = [{"bill_id": row["id"], "container_no": c}
                              for row, numbers in zip(bill_rows, containers, strict=True) for c in numbers]
            if container_rows:
                conn.execute(db.manifest_containers.insert(), container_rows)
        except IntegrityError:
            raise Conflict("declarations.manifest_duplicate", number=number) from None
        # declarations that named these bills before the manifest arrived are linked now
        conn.execute(update(db.declarations)
                     .where(db.declarations.c.bill_no == bindparam("b_no"),
                            db.declarations.c.manifest_bill_id.is_(None))
                     .values(manifest_bill_id=bindparam("b_id")),
                     [{"b_no": r["bill_no"], "b_id": r["id"]} for r in bill_rows])
        uow.record("declarations.manifest_filed", SUBJECT, manifest_id, before=None,
                   after={"number": number, "bills": len(bill_rows), "port_code": cmd.port_code},
                   tenant=who.enterprise_id)
        uow.commit()
    return manifest_id


def _can_read(who: Principal, row: dict[str, Any]) -> bool:
    if who.is_enterprise:
        return who.enterprise_id is not None and row["filer_id"] == who.enterprise_id
    if who.is_customs:
        return who.covers_customs(row["port_code"])
    return False


def access_manifest(conn: Connection, who: Principal, manifest_id: str) -> dict[str, Any]:
    """The manifest with its bills and their containers, if `who` may read it; NotFound otherwise."""
    row = conn.execute(select(db.manifests).where(db.manifests.c.id == manifest_id)).mappings().first()
    if row is None or not _can_read(who, dict(row)):
        raise NotFound("declarations.manifest_not_found")
    manifest = dict(row)
    bills = [dict(b) for b in conn.execute(select(db.manifest_bills).where(
        db.manifest_bills.c.manifest_id == manifest_id).order_by(db.manifest_bills.c.bill_no)).mappings()]
    boxes: dict[str, list[str]] = {}
    if bills:
        for c in conn.execute(select(db.manifest_containers).where(
                db.manifest_containers.c.bill_id.in_([b["id"] for b in bills]))
                .order_by(db.manifest_containers.c.container_no)).mappings():
            boxes.setdefault(c["bill_id"], []).append(c["container_no"])
    manifest["bills"] = [{**b, "containers": boxes.get(b["id"], [])} for b in bills]
    return manifest


def access_manifests(conn: Connection, who: Principal, page: int = 1, size: int = 50) -> list[dict[str, Any]]:
    m = db.manifests
    query = select(m)
    if who.is_enterprise:
        query = query.where(m.c.filer_id == (who.enterprise_id or "-"))
    elif who.is_customs:
        if who.customs_scope is not None:
            query = query.where(m.c.port_code.in_(sorted(who.customs_scope)))
    else:
        return []
    size = max(1, min(size, 200))
    query = query.order_by(m.c.arrival_at.desc(), m.c.id).limit(size).offset((max(1, page) - 1) * size)
    return [dict(r) for r in conn.execute(query).mappings()]
