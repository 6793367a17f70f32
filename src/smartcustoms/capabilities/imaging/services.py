"""Command handlers of the imaging capability: `check_*` validates, `do_*` changes (one unit of work with an audit
entry and its events), `access_*` loads with the permission check.

Ingestion is idempotent: the same device + device scan id gives the same scan (a duplicate upload returns the
existing one; the same id with other images is a conflict). Images are decoded and checked before anything is
stored; blobs are content-addressed (storing them again is a no-op) and the row that references them is written
in one transaction afterwards, so a failure leaves no scan half-way.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import numpy as np
from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from smartcustoms.capabilities.declarations.queries import get_declaration
from smartcustoms.capabilities.enterprise.queries import get_enterprise
from smartcustoms.capabilities.imaging import db
from smartcustoms.capabilities.imaging.assignment import DECIDERS, assign_on_ingest, go_on_duty
from smartcustoms.capabilities.imaging.commands import (
    DecideScan,
    FileProduct,
    IngestScan,
    RecordOutcome,
    RegisterDevice,
    RegisterSite,
    ScanNotice,
)
from smartcustoms.capabilities.imaging.domain import (
    FILING_GRADES,
    Decision,
    DeviceStatus,
    ScanStatus,
    check_decision,
    check_regions,
    goods_kind,
)
from smartcustoms.capabilities.imaging.events import (
    ManualInspectionRequested,
    ProductFiled,
    ScanDecided,
    ScanReceived,
)
from smartcustoms.capabilities.imaging.ports import ANALYSER
from smartcustoms.devices.scanner.codec import CorruptImage, decode_gray16
from smartcustoms.kernel.codes import CodeError, validate_container_number
from smartcustoms.kernel.errors import Conflict, FieldError, IllegalTransition, NotFound, PermissionDenied, collect
from smartcustoms.ml.scan.features import maps, signature
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime

READERS = (Role.IMAGE_REVIEWER, Role.SECTION_CHIEF, Role.AUDITOR, Role.ADMIN, Role.INSPECTOR, Role.RISK_OFFICER)
OPERATORS = (Role.ADMIN, Role.INSPECTOR)


# --- sites and devices ----------------------------------------------------------------------------------------
def do_register_site(runtime: Runtime, who: Principal, cmd: RegisterSite) -> str:
    if not who.has(Role.ADMIN):
        raise PermissionDenied("error.forbidden")
    errors = [FieldError(f, "imaging.name_required") for f in ("id", "name_zh", "name_en", "terminal",
                                                                "customs_code") if not getattr(cmd, f).strip()]
    collect(errors)
    with runtime.uow(actor_of(who)) as uow:
        if db.one(uow.conn, db.imaging_sites, id=cmd.id):
            raise Conflict("imaging.site_exists")
        row = {"id": cmd.id, "name_zh": cmd.name_zh, "name_en": cmd.name_en, "terminal": cmd.terminal,
               "customs_code": cmd.customs_code, "created_at": uow.now}
        db.add(uow.conn, db.imaging_sites, row)
        uow.record("imaging.site_registered", "imaging_site", cmd.id, after={k: v for k, v in row.items()
                                                                             if k != "created_at"})
        uow.commit()
    return cmd.id


def do_register_device(runtime: Runtime, who: Principal, cmd: RegisterDevice) -> str:
    if not who.has(Role.ADMIN):
        raise PermissionDenied("error.forbidden")
    errors = []
    if cmd.status not in {s.value for s in DeviceStatus}:
        errors.append(FieldError("status", "imaging.device_status_invalid"))
    if not cmd.id.strip() or not cmd.model.strip():
        errors.append(FieldError("id" if not cmd.id.strip() else "model", "imaging.name_required"))
    with runtime.uow(actor_of(who)) as uow:
        if not db.one(uow.conn, db.imaging_sites, id=cmd.site_id):
            errors.append(FieldError("site_id", "imaging.site_unknown"))
        collect(errors)
        before = db.one(uow.conn, db.imaging_devices, id=cmd.id)
        if before:
            db.change(uow.conn, db.imaging_devices, "id", cmd.id, site_id=cmd.site_id, model=cmd.model,
                      status=cmd.status)
        else:
            db.add(uow.conn, db.imaging_devices, {"id": cmd.id, "site_id": cmd.site_id, "model": cmd.model,
                                                  "status": cmd.status, "created_at": uow.now})
        uow.record("imaging.device_registered", "imaging_device", cmd.id,
                   before={k: before[k] for k in ("site_id", "model", "status")} if before else None,
                   after={"site_id": cmd.site_id, "model": cmd.model, "status": cmd.status})
        uow.commit()
    return cmd.id


# --- ingestion ------------------------------------------------------------------------------------------------
def _decode_pair(high_png: bytes, low_png: bytes, errors: list[FieldError]
                 ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The high- and low-energy images of one scan, decoded; problems go to `errors` (both images, then a
    size mismatch between them)."""
    high = _decode(high_png, "high", errors)
    low = _decode(low_png, "low", errors)
    if high is not None and low is not None and high.shape != low.shape:
        errors.append(FieldError("low", "imaging.image_mismatch"))
    return high, low


def _decode(blob: bytes, field: str, errors: list[FieldError]) -> np.ndarray | None:
    try:
        return decode_gray16(blob)
    except CorruptImage as exc:
        errors.append(FieldError(field, "imaging.image_corrupt", {"reason": exc.reason}))
        return None


def check_ingest(conn: Connection, cmd: IngestScan) -> tuple[dict[str, Any], np.ndarray, np.ndarray, str,
                                                                 Any]:
    """Every field error at once: device, container number (ISO 6346), declaration, size, both images."""
    errors: list[FieldError] = []
    device = db.one(conn, db.imaging_devices, id=cmd.device_id)
    if device is None:
        errors.append(FieldError("device_id", "imaging.device_unknown"))
    elif device["status"] != DeviceStatus.ACTIVE:
        errors.append(FieldError("device_id", "imaging.device_inactive"))
    container = ""
    try:
        container = validate_container_number(cmd.container_number)
    except CodeError:
        errors.append(FieldError("container_number", "imaging.container_invalid"))
    declaration = None
    if cmd.declaration_id:
        declaration = get_declaration(conn, cmd.declaration_id)
        if declaration is None:
            errors.append(FieldError("declaration_id", "imaging.declaration_unknown"))
    if cmd.size not in ("20", "40"):
        errors.append(FieldError("size", "imaging.size_invalid"))
    if not 2 <= cmd.px_mm <= 50:
        errors.append(FieldError("px_mm", "imaging.px_invalid"))
    high, low = _decode_pair(cmd.high, cmd.low, errors)
    collect(errors)
    assert device is not None and high is not None and low is not None
    return device, high, low, container, declaration


def _reference(conn: Connection, enterprise_id: str | None, kind: str | None) -> tuple[np.ndarray | None, str | None]:
    if not enterprise_id:
        return None, None
    rows = conn.execute(select(db.imaging_filings).where(db.imaging_filings.c.enterprise_id == enterprise_id)
                        .order_by(db.imaging_filings.c.filed_at.desc())).mappings().all()
    for r in rows:
        if r["signature"] and (kind is None or r["goods_kind"] == kind):
            return np.array(r["signature"]), str(r["id"])
    return None, None


def do_ingest(runtime: Runtime, who: Principal | None, cmd: IngestScan) -> tuple[dict[str, Any], bool]:
    """Store a scan (or return the existing one for the same device + scan id). Returns (row, created)."""
    if who is not None and not who.has(*OPERATORS):
        raise PermissionDenied("error.forbidden")
    digest_high, digest_low = hashlib.sha256(cmd.high).hexdigest(), hashlib.sha256(cmd.low).hexdigest()
    with runtime.engine.connect() as conn:
        existing = db.one(conn, db.imaging_scans, device_id=cmd.device_id, device_scan_id=cmd.device_scan_id)
        if existing is not None:
            return _same_or_conflict(existing, digest_high, digest_low), False
        device, high, low, container, declaration = check_ingest(conn, cmd)
        site = db.one(conn, db.imaging_sites, id=device["site_id"]) or {}
        kind = goods_kind(declaration.hs_codes) if declaration else None
        trader = declaration.trader_id if declaration else None
        reference, reference_id = _reference(conn, trader, kind)
    analysis, risk, version = None, None, None
    analyser = runtime.ports.get(ANALYSER)
    model = analyser.get() if analyser is not None else None
    if model is not None:
        result = model.analyse(high, low, cmd.px_mm, declared=kind, reference=reference)
        analysis = result.as_dict()
        analysis["reference_filing"] = reference_id
        risk, version = float(result.risk), model.meta.get("version")
    runtime.blobs.put(cmd.high)
    runtime.blobs.put(cmd.low)
    actor = actor_of(who) if who is not None else Actor.system(f"device:{cmd.device_id}")
    scan_id = str(uuid.uuid4())
    try:
        with runtime.uow(actor) as uow:
            now = uow.now
            customs_code = site.get("customs_code", "")
            assignee, assignment = assign_on_ingest(runtime, uow.conn, now, customs_code, cmd.declaration_id,
                                                     f"{cmd.device_id}/{cmd.device_scan_id}")
            row = {"id": scan_id, "device_id": cmd.device_id, "device_scan_id": cmd.device_scan_id,
                   "site_id": device["site_id"], "customs_code": customs_code,
                   "container_number": container, "size": cmd.size, "px_mm": cmd.px_mm,
                   "width": int(high.shape[1]), "height": int(high.shape[0]), "high_sha256": digest_high,
                   "low_sha256": digest_low, "scanned_at": cmd.scanned_at or now, "received_at": now,
                   "declaration_id": cmd.declaration_id, "inspection_ref": cmd.inspection_ref,
                   "enterprise_id": trader, "declared_goods": kind,
                   "status": ScanStatus.ASSIGNED if assignee else ScanStatus.QUEUED, "risk": risk,
                   "analysis": analysis, "model_version": version, "assigned_to": assignee,
                   "assigned_at": now if assignee else None}
            db.add(uow.conn, db.imaging_scans, row)
            uow.conn.execute(update(db.imaging_notices).where(
                db.imaging_notices.c.device_id == cmd.device_id,
                db.imaging_notices.c.device_scan_id == cmd.device_scan_id).values(scan_id=scan_id))
            uow.record("imaging.scan_ingested", "imaging_scan", scan_id, tenant=trader,
                       after={"device_id": cmd.device_id, "device_scan_id": cmd.device_scan_id,
                              "container_number": container, "high_sha256": digest_high, "low_sha256": digest_low,
                              "risk": risk, "model_version": version, "assigned_to": assignee,
                              "assignment": assignment})
            uow.emit(ScanReceived(scan_id=scan_id, device_id=cmd.device_id, container_number=container,
                                  declaration_id=cmd.declaration_id, risk=risk, assigned_to=assignee))
            uow.commit()
    except IntegrityError:
        # a concurrent upload of the same device scan won the race: answer with that one
        with runtime.engine.connect() as conn:
            existing = db.one(conn, db.imaging_scans, device_id=cmd.device_id, device_scan_id=cmd.device_scan_id)
        if existing is None:
            raise
        return _same_or_conflict(existing, digest_high, digest_low), False
    return row, True


def _same_or_conflict(existing: dict[str, Any], high: str, low: str) -> dict[str, Any]:
    if existing["high_sha256"] != high or existing["low_sha256"] != low:
        raise Conflict("imaging.scan_conflict")
    return existing


def do_notice(runtime: Runtime, cmd: ScanNotice) -> bool:
    """A device announced a scan (MQTT). Recorded once per device + scan id; the upload matches it later, so
    announced-but-missing uploads are visible. Returns True when new."""
    with runtime.uow(Actor.system(f"device:{cmd.device_id}")) as uow:
        if db.one(uow.conn, db.imaging_notices, device_id=cmd.device_id, device_scan_id=cmd.device_scan_id):
            return False
        scan = db.one(uow.conn, db.imaging_scans, device_id=cmd.device_id, device_scan_id=cmd.device_scan_id)
        db.add(uow.conn, db.imaging_notices, {"device_id": cmd.device_id, "device_scan_id": cmd.device_scan_id,
                                              "container_number": cmd.container_number[:11],
                                              "scanned_at": cmd.scanned_at, "declaration_id": cmd.declaration_id,
                                              "noticed_at": uow.now, "scan_id": scan["id"] if scan else None})
        uow.record("imaging.scan_noticed", "imaging_notice", f"{cmd.device_id}/{cmd.device_scan_id}",
                   after={"container_number": cmd.container_number})
        uow.commit()
    return True


def missing_uploads(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(db.imaging_notices).where(db.imaging_notices.c.scan_id.is_(None))
                        .order_by(db.imaging_notices.c.noticed_at)).mappings()
    return [dict(r) for r in rows]


# --- access ---------------------------------------------------------------------------------------------------
def access_scan(conn: Connection, who: Principal, scan_id: str, *, for_update: bool = False) -> dict[str, Any]:
    """Officers with a reading role whose scope covers the scan's customs office; everyone else: 404."""
    row = db.load_scan(conn, scan_id, for_update=for_update)
    if row is None or not who.has(*READERS) or not who.covers_customs(row["customs_code"]):
        raise NotFound("imaging.scan_not_found")
    return row


def access_queue(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    if not who.has(*READERS):
        raise PermissionDenied("error.forbidden")
    return [r for r in db.queue(conn) if who.covers_customs(r["customs_code"])]


def access_goods(conn: Connection, row: dict[str, Any]) -> dict[str, Any]:
    """The declaration's goods list beside the image (number, HS codes, goods kind)."""
    if not row["declaration_id"]:
        return {}
    d = get_declaration(conn, row["declaration_id"])
    if d is None:
        return {}
    return {"number": d.number, "hs_codes": list(d.hs_codes), "kind": goods_kind(d.hs_codes),
            "trader_id": d.trader_id, "items": d.item_count}


# --- the review queue -----------------------------------------------------------------------------------------
def do_next(runtime: Runtime, who: Principal) -> str | None:
    """The reviewer is on duty; give back the scan already assigned to them, or claim the highest-risk queued one."""
    if not who.has(*DECIDERS):
        raise PermissionDenied("error.forbidden")
    with runtime.uow(actor_of(who)) as uow:
        go_on_duty(uow, who)
        mine = uow.conn.execute(select(db.imaging_scans.c.id).where(
            db.imaging_scans.c.assigned_to == who.user_id, db.imaging_scans.c.status == ScanStatus.ASSIGNED)
            .order_by(db.imaging_scans.c.assigned_at).limit(1)).scalar()
        if mine is not None:
            uow.commit()
            return str(mine)
        row = db.next_unassigned(uow.conn, who.customs_scope)  # out-of-scope scans wait for reviewers who cover them
        if row is None:
            uow.commit()
            return None
        db.change(uow.conn, db.imaging_scans, "id", row["id"], status=ScanStatus.ASSIGNED, assigned_to=who.user_id,
                  assigned_at=uow.now)
        uow.record("imaging.scan_assigned", "imaging_scan", row["id"], tenant=row["enterprise_id"],
                   before={"status": row["status"]}, after={"status": "assigned", "assigned_to": who.user_id,
                                                            "rule": "pull: highest risk first"})
        uow.commit()
        return str(row["id"])


def do_decide(runtime: Runtime, who: Principal, cmd: DecideScan) -> dict[str, Any]:
    if not who.has(*DECIDERS):
        with runtime.engine.connect() as conn:
            access_scan(conn, who, cmd.scan_id)
        raise PermissionDenied("error.forbidden")
    with runtime.uow(actor_of(who)) as uow:
        row = access_scan(uow.conn, who, cmd.scan_id, for_update=True)
        regions, errors = check_regions(cmd.regions, row["width"], row["height"])
        errors += check_decision(cmd.decision, regions)
        collect(errors)
        if row["status"] == ScanStatus.DECIDED:
            raise IllegalTransition("imaging.already_decided")
        if row["assigned_to"] not in (None, who.user_id) and not who.has(Role.SECTION_CHIEF):
            raise Conflict("imaging.assigned_elsewhere")
        region_dicts = [r.as_dict() for r in regions]
        db.change(uow.conn, db.imaging_scans, "id", row["id"], status=ScanStatus.DECIDED, decision=cmd.decision,
                  regions=region_dicts, note=cmd.note[:2000], decided_by=who.user_id, decided_at=uow.now,
                  assigned_to=row["assigned_to"] or who.user_id)
        db.add(uow.conn, db.imaging_labels, {"scan_id": row["id"], "source": "review", "created_by": who.user_id,
                                             "created_at": uow.now,
                                             "label": {"decision": cmd.decision, "regions": region_dicts,
                                                       "declared_goods": row["declared_goods"],
                                                       "model_version": row["model_version"], "risk": row["risk"]}})
        uow.record("imaging.scan_decided", "imaging_scan", row["id"], tenant=row["enterprise_id"],
                   before={"status": row["status"], "assigned_to": row["assigned_to"]},
                   after={"status": "decided", "decision": cmd.decision, "regions": region_dicts, "note": cmd.note,
                          "ai_risk": row["risk"], "model_version": row["model_version"]})
        uow.emit(ScanDecided(scan_id=row["id"], declaration_id=row["declaration_id"], decision=cmd.decision,
                             reviewer_id=who.user_id, regions=tuple(region_dicts)))
        if cmd.decision == Decision.SUSPECT:
            uow.emit(ManualInspectionRequested(declaration_id=row["declaration_id"], scan_id=row["id"],
                                               reviewer_id=who.user_id, container_number=row["container_number"],
                                               regions=tuple(region_dicts)))
        uow.commit()
    return {**row, "status": "decided", "decision": cmd.decision, "regions": region_dicts}


def do_record_outcome(runtime: Runtime, who: Principal, cmd: RecordOutcome) -> None:
    """The manual inspection's result for a suspect scan: stored as a label for retraining."""
    if not who.has(Role.INSPECTOR, Role.SECTION_CHIEF):
        with runtime.engine.connect() as conn:
            access_scan(conn, who, cmd.scan_id)
        raise PermissionDenied("error.forbidden")
    if cmd.result not in ("conform", "anomaly"):
        collect([FieldError("result", "imaging.outcome_invalid")])
    with runtime.uow(actor_of(who)) as uow:
        row = access_scan(uow.conn, who, cmd.scan_id, for_update=True)
        if row["decision"] != Decision.SUSPECT:
            raise IllegalTransition("imaging.not_suspect")
        db.change(uow.conn, db.imaging_scans, "id", row["id"], outcome=cmd.result)
        db.add(uow.conn, db.imaging_labels, {"scan_id": row["id"], "source": "manual_inspection",
                                             "created_by": who.user_id, "created_at": uow.now,
                                             "label": {"result": cmd.result, "found": cmd.found,
                                                       "regions": row["regions"]}})
        uow.record("imaging.outcome_recorded", "imaging_scan", row["id"], tenant=row["enterprise_id"],
                   before={"outcome": row["outcome"]}, after={"outcome": cmd.result, "found": cmd.found})
        uow.commit()


# --- product filings (企业产品信息备案) ----------------------------------------------------------------------------
def do_file_product(runtime: Runtime, who: Principal, cmd: FileProduct) -> str:
    if not who.is_enterprise or who.enterprise_id != cmd.enterprise_id:
        raise PermissionDenied("error.forbidden")
    errors: list[FieldError] = []
    if not cmd.name.strip():
        errors.append(FieldError("name", "imaging.name_required"))
    if len(cmd.hs_code) != 10 or not cmd.hs_code.isdigit():
        errors.append(FieldError("hs_code", "imaging.hs_invalid"))
    if not 2 <= cmd.px_mm <= 50:
        errors.append(FieldError("px_mm", "imaging.px_invalid"))
    high, low = _decode_pair(cmd.high, cmd.low, errors)
    with runtime.engine.connect() as conn:
        ent = get_enterprise(conn, cmd.enterprise_id)
    if ent is None:
        errors.append(FieldError("enterprise_id", "imaging.enterprise_unknown"))
    elif ent.credit_grade not in FILING_GRADES:
        errors.append(FieldError("enterprise_id", "imaging.filing_grade"))
    collect(errors)
    assert high is not None and low is not None
    sig = [float(v) for v in signature(maps(high, low, cmd.px_mm))]
    hs, ls = runtime.blobs.put(cmd.high), runtime.blobs.put(cmd.low)
    filing_id = str(uuid.uuid4())
    with runtime.uow(actor_of(who)) as uow:
        row = {"id": filing_id, "enterprise_id": cmd.enterprise_id, "name": cmd.name.strip(),
               "hs_code": cmd.hs_code, "goods_kind": goods_kind([cmd.hs_code]), "description": cmd.description,
               "high_sha256": hs.sha256, "low_sha256": ls.sha256, "px_mm": cmd.px_mm, "signature": sig,
               "filed_by": who.user_id, "filed_at": uow.now}
        db.add(uow.conn, db.imaging_filings, row)
        uow.record("imaging.product_filed", "imaging_filing", filing_id, tenant=cmd.enterprise_id,
                   after={k: row[k] for k in ("name", "hs_code", "goods_kind", "high_sha256", "low_sha256")})
        uow.emit(ProductFiled(filing_id=filing_id, enterprise_id=cmd.enterprise_id, hs_code=cmd.hs_code))
        uow.commit()
    return filing_id


def access_filings(conn: Connection, who: Principal, enterprise_id: str | None = None) -> list[dict[str, Any]]:
    """Enterprises see only their own filings; officers with a reading role see any (optionally one enterprise)."""
    query = select(db.imaging_filings).order_by(db.imaging_filings.c.filed_at.desc())
    if who.is_enterprise:
        query = query.where(db.imaging_filings.c.enterprise_id == who.enterprise_id)
    elif who.has(*READERS):
        if enterprise_id:
            query = query.where(db.imaging_filings.c.enterprise_id == enterprise_id)
    else:
        raise PermissionDenied("error.forbidden")
    return [{k: v for k, v in dict(r).items() if k != "signature"} for r in conn.execute(query).mappings()]


def access_filing(conn: Connection, who: Principal, filing_id: str) -> dict[str, Any]:
    row = db.one(conn, db.imaging_filings, id=filing_id)
    if row is None or (who.is_enterprise and row["enterprise_id"] != who.enterprise_id) or \
            (not who.is_enterprise and not who.has(*READERS)):
        raise NotFound("imaging.filing_not_found")
    return row
