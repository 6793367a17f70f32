"""HTTP API of the imaging capability under /api/v1/imaging.

- sites / devices: administrators register; officers with a reading role list.
- scans: scanner operators (inspectors at the site, administrators) upload `POST /scans` (multipart ``high`` and
  ``low`` 16-bit PNGs + fields) — 201 for a new scan, 200 with the same scan for a duplicate upload; readers get
  the scan, its pseudo-colour PNG and the queue; image reviewers and section chiefs pull the next scan and
  decide; inspectors and section chiefs record the manual inspection's outcome.
- filings: enterprise users file their own enterprise's products; officers read.
Enterprise users get 403 on the officer endpoints and 404 on any scan."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from smartcustoms.capabilities.imaging import db, services
from smartcustoms.capabilities.imaging.commands import (
    DecideScan,
    FileProduct,
    IngestScan,
    RecordOutcome,
    RegisterDevice,
    RegisterSite,
)
from smartcustoms.devices.scanner.codec import decode_gray16, encode_rgb
from smartcustoms.kernel.errors import FieldError, PermissionDenied, ValidationFailed
from smartcustoms.ml.scan.materials import pseudo_colour
from smartcustoms.platform.http import get_runtime, principal, require
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime

router = APIRouter(prefix="/imaging", tags=["imaging"])
ADMIN = require(Role.ADMIN)
READ = require(*services.READERS)
MAX_IMAGE = 32 * 1024 * 1024


class SiteIn(BaseModel):
    id: str = Field(min_length=1, max_length=32)
    name_zh: str = Field(min_length=1, max_length=128)
    name_en: str = Field(min_length=1, max_length=128)
    terminal: str = Field(min_length=1, max_length=128)
    customs_code: str = Field(min_length=4, max_length=16)


class DeviceIn(BaseModel):
    id: str = Field(min_length=1, max_length=32)
    site_id: str = Field(min_length=1, max_length=32)
    model: str = Field(min_length=1, max_length=64)
    status: str = "active"


class RegionIn(BaseModel):
    x: int
    y: int
    w: int
    h: int
    label: str = "anomaly"


class DecisionIn(BaseModel):
    decision: str
    regions: list[RegionIn] = []
    note: str = Field(default="", max_length=2000)


class OutcomeIn(BaseModel):
    result: str
    found: str = Field(default="", max_length=500)


def scan_out(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "device_id", "device_scan_id", "site_id", "customs_code", "container_number", "size", "px_mm",
            "width", "height", "high_sha256", "low_sha256", "scanned_at", "received_at", "declaration_id",
            "inspection_ref", "declared_goods", "status", "risk", "analysis", "model_version", "assigned_to",
            "decision", "regions", "note", "decided_by", "decided_at", "outcome")
    out = {k: row.get(k) for k in keys}
    for k in ("scanned_at", "received_at", "decided_at"):
        value = out[k]
        if isinstance(value, datetime):
            out[k] = value.isoformat()
    if out["analysis"]:
        out["analysis"] = {k: v for k, v in out["analysis"].items() if k != "signature"}
    return out


@router.post("/sites", status_code=201)
def register_site(body: SiteIn, request: Request, who: Principal = ADMIN) -> dict[str, str]:
    return {"id": services.do_register_site(get_runtime(request), who, RegisterSite(**body.model_dump()))}


@router.get("/sites")
def list_sites(request: Request, who: Principal = READ) -> list[dict[str, Any]]:
    with get_runtime(request).engine.connect() as conn:
        return [{k: v for k, v in dict(r).items() if k != "created_at"}
                for r in conn.execute(select(db.imaging_sites).order_by(db.imaging_sites.c.id)).mappings()]


@router.post("/devices", status_code=201)
def register_device(body: DeviceIn, request: Request, who: Principal = ADMIN) -> dict[str, str]:
    return {"id": services.do_register_device(get_runtime(request), who, RegisterDevice(**body.model_dump()))}


@router.get("/devices")
def list_devices(request: Request, who: Principal = READ) -> list[dict[str, Any]]:
    with get_runtime(request).engine.connect() as conn:
        return [{k: v for k, v in dict(r).items() if k != "created_at"}
                for r in conn.execute(select(db.imaging_devices).order_by(db.imaging_devices.c.id)).mappings()]


async def _read(upload: UploadFile, field: str) -> bytes:
    data = await upload.read(MAX_IMAGE + 1)
    if len(data) > MAX_IMAGE:
        raise ValidationFailed([FieldError(field, "imaging.image_corrupt", {"reason": "size"})])
    return data


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed([FieldError("scanned_at", "field.invalid")]) from None
    if parsed.tzinfo is None:
        raise ValidationFailed([FieldError("scanned_at", "field.invalid")])
    return parsed


@router.post("/scans", status_code=201)
async def ingest(request: Request, device_id: str = Form(..., max_length=32),
                 device_scan_id: str = Form(..., min_length=1, max_length=64),
                 container_number: str = Form(..., max_length=16), scanned_at: str | None = Form(None),
                 size: str = Form("40"), px_mm: float = Form(10.0), declaration_id: str | None = Form(None),
                 inspection_ref: str | None = Form(None), high: UploadFile = File(...), low: UploadFile = File(...),
                 who: Principal = require(*services.OPERATORS)) -> Response:
    cmd = IngestScan(device_id=device_id, device_scan_id=device_scan_id, container_number=container_number,
                     scanned_at=_parse_time(scanned_at), high=await _read(high, "high"), low=await _read(low, "low"),
                     size=size, px_mm=px_mm, declaration_id=declaration_id or None,
                     inspection_ref=inspection_ref or None)
    row, created = await run_in_threadpool(services.do_ingest, get_runtime(request), who, cmd)
    return JSONResponse(scan_out(row), status_code=201 if created else 200)


@router.get("/scans/{scan_id}")
def get_scan(scan_id: str, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    with get_runtime(request).engine.connect() as conn:
        row = services.access_scan(conn, who, scan_id)
        out = scan_out(row)
        out["goods"] = services.access_goods(conn, row)
    return out


def render_png(runtime: Runtime, row: dict[str, Any], contrast: float) -> bytes:
    high = decode_gray16(runtime.blobs.get(row["high_sha256"]))
    low = decode_gray16(runtime.blobs.get(row["low_sha256"]))
    return encode_rgb(pseudo_colour(high, low, contrast=min(3.0, max(0.3, contrast))))


@router.get("/scans/{scan_id}/image.png")
def scan_image(scan_id: str, request: Request, contrast: float = 1.0, who: Principal = Depends(principal)) -> Response:
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        row = services.access_scan(conn, who, scan_id)
    return Response(render_png(runtime, row, contrast), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


@router.get("/queue")
def get_queue(request: Request, who: Principal = READ) -> list[dict[str, Any]]:
    with get_runtime(request).engine.connect() as conn:
        return [scan_out(r) for r in services.access_queue(conn, who)]


@router.post("/queue/next")
def next_scan(request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    return {"scan_id": services.do_next(get_runtime(request), who)}


@router.post("/scans/{scan_id}/decision")
def decide(scan_id: str, body: DecisionIn, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    row = services.do_decide(get_runtime(request), who, DecideScan(
        scan_id, body.decision, [r.model_dump() for r in body.regions], body.note))
    return scan_out(row)


@router.post("/scans/{scan_id}/outcome", status_code=204)
def outcome(scan_id: str, body: OutcomeIn, request: Request, who: Principal = Depends(principal)) -> Response:
    services.do_record_outcome(get_runtime(request), who, RecordOutcome(scan_id, body.result, body.found))
    return Response(status_code=204)


@router.get("/notices/missing")
def missing(request: Request, who: Principal = READ) -> list[dict[str, Any]]:
    with get_runtime(request).engine.connect() as conn:
        return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()}
                for r in services.missing_uploads(conn)]


@router.post("/filings", status_code=201)
async def file_product(request: Request, name: str = Form(..., max_length=200), hs_code: str = Form(...),
                       description: str = Form("", max_length=4000), px_mm: float = Form(10.0),
                       enterprise_id: str | None = Form(None), high: UploadFile = File(...),
                       low: UploadFile = File(...), who: Principal = Depends(principal)) -> dict[str, str]:
    if not who.is_enterprise:
        raise PermissionDenied("error.forbidden")
    cmd = FileProduct(enterprise_id=enterprise_id or who.enterprise_id or "", name=name, hs_code=hs_code,
                      description=description, high=await _read(high, "high"), low=await _read(low, "low"),
                      px_mm=px_mm)
    return {"id": await run_in_threadpool(services.do_file_product, get_runtime(request), who, cmd)}


@router.get("/filings")
def list_filings(request: Request, enterprise_id: str | None = None,
                 who: Principal = Depends(principal)) -> list[dict[str, Any]]:
    with get_runtime(request).engine.connect() as conn:
        rows = services.access_filings(conn, who, enterprise_id)
    return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()} for r in rows]


@router.get("/filings/{filing_id}")
def get_filing(filing_id: str, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    with get_runtime(request).engine.connect() as conn:
        row = services.access_filing(conn, who, filing_id)
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items() if k != "signature"}
