"""JSON API under /api/v1/inspection: tasks, claims, media, drafts, reports with the draws, approvals,
bookings and terminal events, fee exemptions, imported vehicles, the auditor's record and KPIs."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from smartcustoms.capabilities.declarations.queries import get_declaration
from smartcustoms.capabilities.inspection import db, logistics, queries, reports, services
from smartcustoms.capabilities.inspection.commands import (
    BookInspection,
    FindingIn,
    RegisterVehicle,
    SampleIn,
    SubmitReport,
    TerminalEvent,
    UploadMedia,
)
from smartcustoms.capabilities.inspection.domain import MAX_VIDEO_BYTES
from smartcustoms.kernel.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from smartcustoms.platform.db import dumps
from smartcustoms.platform.http import get_runtime, principal
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime

router = APIRouter(prefix="/inspection", tags=["inspection"])
READERS = (Role.INSPECTOR, Role.SECTION_CHIEF, Role.AUDITOR, Role.RISK_OFFICER, Role.ADMIN)


def _json(value: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(json.loads(dumps(value)), status_code=status_code)


def task_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "order_key"}


@router.get("/tasks")
def my_tasks(request: Request, who: Principal = Depends(principal)) -> JSONResponse:
    """Inspectors: their open tasks. Section chiefs: reports awaiting their approval."""
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        if who.has(Role.INSPECTOR):
            return _json([task_json(r) for r in queries.tasks_of_officer(conn, who.user_id)])
        if who.has(Role.SECTION_CHIEF):
            return _json([task_json(r) for r in queries.awaiting_chief(conn, who.customs_scope)])
    raise PermissionDenied("inspection.officer_only")


@router.get("/tasks/{task_id}")
def task(task_id: str, request: Request, who: Principal = Depends(principal)) -> JSONResponse:
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        row = services.access_task(conn, who, task_id)
        body = task_json(row)
        body["report"] = (reports.report_result(conn, task_id) if row["state"] not in
                          ("ordered", "assigned", "claimed", "in_progress") else None)
    return _json(body)


@router.post("/tasks/{task_id}/claim")
def claim(task_id: str, request: Request, who: Principal = Depends(principal)) -> dict[str, str]:
    return {"state": services.do_claim(get_runtime(request), who, task_id)}


@router.post("/tasks/{task_id}/start")
def start(task_id: str, request: Request, who: Principal = Depends(principal)) -> dict[str, str]:
    return {"state": services.do_start(get_runtime(request), who, task_id)}


@router.post("/tasks/{task_id}/media", status_code=201)
async def upload(task_id: str, request: Request, file: UploadFile = File(...), taken_at: str = Form(""),
                 who: Principal = Depends(principal)) -> JSONResponse:
    """A photo or short video (type from magic bytes; photos ≤ 10 MiB, videos ≤ 50 MiB). Refused: nothing stored."""
    data = await file.read(MAX_VIDEO_BYTES + 1)
    when = None
    if taken_at:
        try:
            when = datetime.fromisoformat(taken_at.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationFailed([FieldError("taken_at", "field.invalid")]) from None
    cmd = UploadMedia(task_id, data, file.filename or "", when)
    result = await run_in_threadpool(services.do_upload, get_runtime(request), who, cmd)
    return _json(result, 201)


@router.get("/media/{media_id}")
def media(media_id: str, request: Request, who: Principal = Depends(principal)) -> Response:
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        row = db.load(conn, db.media, media_id)
        if row is None:
            raise NotFound("inspection.task_not_found")
        services.access_task(conn, who, row["task_id"])
    return Response(runtime.blobs.get(row["sha256"]), media_type=row["content_type"],
                    headers={"X-Content-SHA256": row["sha256"]})


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="allow")


@router.get("/tasks/{task_id}/draft")
def get_draft(task_id: str, request: Request, who: Principal = Depends(principal)) -> JSONResponse:
    return _json(services.get_draft(get_runtime(request), who, task_id) or {})


@router.put("/tasks/{task_id}/draft", status_code=204)
def put_draft(task_id: str, body: dict[str, Any], request: Request,
              who: Principal = Depends(principal)) -> Response:
    if len(json.dumps(body)) > 256 * 1024:
        raise ValidationFailed([FieldError("body", "inspection.media_size", {"max_mb": 0.25})])
    services.do_save_draft(get_runtime(request), who, task_id, body)
    return Response(status_code=204)


class FindingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_seq: int = Field(ge=1, le=50)
    outcome: str = Field(max_length=16)
    kind: str = Field(default="", max_length=16)
    note: str = Field(default="", max_length=1000)
    recovered_revenue: str = Field(default="0", max_length=20)


class SampleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(max_length=64)
    description: str = Field(default="", max_length=500)


class ReportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    idempotency_key: str = Field(min_length=8, max_length=64, description="generated by the client, per report")
    findings: list[FindingBody] = Field(default_factory=list, max_length=50)
    samples: list[SampleBody] = Field(default_factory=list, max_length=20)
    media_ids: list[str] = Field(default_factory=list, max_length=30)
    signature: str = Field(default="", max_length=3_000_000, description="data:image/png;base64,…")
    note: str = Field(default="", max_length=2000)
    location: str = Field(default="", max_length=128)


def _png(data_url: str) -> bytes | None:
    raw = data_url.split(",", 1)[1] if data_url.startswith("data:") else data_url
    try:
        return base64.b64decode(raw, validate=True) if raw else None
    except (binascii.Error, ValueError):
        return None


@router.post("/tasks/{task_id}/report")
def submit_report(task_id: str, body: ReportBody, request: Request,
                  who: Principal = Depends(principal)) -> JSONResponse:
    """201 with the draw outcome; the same idempotency key again returns the first result (200)."""
    cmd = SubmitReport(task_id, body.idempotency_key,
                       tuple(FindingIn(**f.model_dump()) for f in body.findings),
                       tuple(SampleIn(**s.model_dump()) for s in body.samples), tuple(body.media_ids),
                       _png(body.signature), body.note, body.location)
    result, created = reports.do_submit_report(get_runtime(request), who, cmd)
    return _json(result, 201 if created else 200)


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: str = Field(max_length=16)
    note: str = Field(default="", max_length=1000)


@router.post("/tasks/{task_id}/decision")
def decide(task_id: str, body: DecisionBody, request: Request, who: Principal = Depends(principal)) -> JSONResponse:
    return _json(reports.do_decide(get_runtime(request), who, task_id, body.decision, body.note))


# --- bookings and exemptions -----------------------------------------------------------------------------------
class BookingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task_id: str = Field(max_length=36)
    slot_at: datetime
    area: str = Field(max_length=64)
    terminal_enterprise_id: str | None = Field(default=None, max_length=36)
    contact: str = Field(default="", max_length=64)


@router.post("/bookings", status_code=201)
def book(body: BookingBody, request: Request, who: Principal = Depends(principal)) -> dict[str, str]:
    cmd = BookInspection(body.task_id, body.slot_at, body.area, body.terminal_enterprise_id, body.contact)
    return {"id": logistics.do_book(get_runtime(request), who, cmd)}


@router.get("/bookings")
def bookings(request: Request, who: Principal = Depends(principal)) -> JSONResponse:
    return _json(logistics.list_bookings(get_runtime(request), who))


@router.post("/bookings/{booking_id}/confirm")
def confirm(booking_id: str, request: Request, who: Principal = Depends(principal)) -> dict[str, str]:
    logistics.do_confirm_booking(get_runtime(request), who, booking_id)
    return {"status": "confirmed"}


class TerminalEventBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=32)
    container_no: str = Field(default="", max_length=11)


@router.post("/bookings/{booking_id}/terminal-events", status_code=201)
def terminal_event(booking_id: str, body: TerminalEventBody, request: Request,
                   who: Principal = Depends(principal)) -> dict[str, str]:
    """Called by the terminal operating the inspection area (its enterprise user's token)."""
    logistics.do_terminal_event(get_runtime(request), who, TerminalEvent(booking_id, body.kind, body.container_no))
    return {"status": "recorded"}


@router.get("/fee-exemptions")
def exemptions(request: Request, who: Principal = Depends(principal)) -> JSONResponse:
    if not (who.is_enterprise or who.has(*READERS)):
        raise PermissionDenied("error.forbidden")
    return _json(logistics.list_exemptions(get_runtime(request), who))


# --- vehicles --------------------------------------------------------------------------------------------------
class VehicleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    declaration_id: str = Field(max_length=36)
    vin: str = Field(max_length=20)
    model: str = Field(default="", max_length=100)


@router.post("/vehicles", status_code=201)
def register_vehicle(body: VehicleBody, request: Request, who: Principal = Depends(principal)) -> dict[str, str]:
    cmd = RegisterVehicle(body.declaration_id, body.vin, body.model)
    return {"id": logistics.do_register_vehicle(get_runtime(request), who, cmd)}


@router.get("/vehicles/{vehicle_id}")
def vehicle(vehicle_id: str, request: Request, who: Principal = Depends(principal)) -> JSONResponse:
    with get_runtime(request).engine.connect() as conn:
        return _json(logistics.access_vehicle(conn, who, vehicle_id))


class StepBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    step: str = Field(max_length=16)


@router.post("/vehicles/{vehicle_id}/steps")
def vehicle_step(vehicle_id: str, body: StepBody, request: Request,
                 who: Principal = Depends(principal)) -> JSONResponse:
    return _json(logistics.do_vehicle_step(get_runtime(request), who, vehicle_id, body.step))


@router.post("/vehicles/{vehicle_id}/certificate", status_code=201)
def certificate(vehicle_id: str, request: Request, who: Principal = Depends(principal)) -> dict[str, str]:
    return {"certificate_no": logistics.do_issue_certificate(get_runtime(request), who, vehicle_id)}


# --- audit record and KPIs -------------------------------------------------------------------------------------
def access_record(runtime: Runtime, who: Principal, declaration_id: str) -> dict[str, Any]:
    """Customs readers whose scope covers the declaring office; enterprises and everyone else: 404."""
    with runtime.engine.connect() as conn:
        decl = get_declaration(conn, declaration_id)
        if decl is None or not who.has(*READERS) or not who.covers_customs(decl.customs_code):
            raise NotFound("inspection.declaration_not_found")
        body = queries.record(conn, declaration_id)
    body["declaration"] = {"id": decl.id, "number": decl.number, "customs_code": decl.customs_code,
                           "status": decl.status, "trader_id": decl.trader_id}
    return body


@router.get("/declarations/{declaration_id}/record")
def record(declaration_id: str, request: Request, format: str = "json",
           who: Principal = Depends(principal)) -> Response:
    """The full inspection record; `format=csv` gives the timeline as CSV (both as downloads)."""
    body = access_record(get_runtime(request), who, declaration_id)
    name = f"inspection-record-{body['declaration']['number']}"
    if format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["seq", "at", "actor", "action", "subject_type", "subject_id", "details", "hash"])
        for e in body["timeline"]:
            writer.writerow([e["seq"], e["at"].isoformat(), e["actor"], e["action"], e["subject_type"],
                             e["subject_id"], dumps(e["details"]), e["hash"]])
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    response = _json(body)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


@router.get("/kpis")
def kpis(request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    if not who.has(Role.SECTION_CHIEF, Role.AUDITOR, Role.RISK_OFFICER, Role.ADMIN):
        raise PermissionDenied("error.forbidden")
    with get_runtime(request).engine.connect() as conn:
        k = queries.compute_kpis(conn, who.customs_scope)
    return {"inspections": k.inspections, "one_time_release_rate": k.one_time_release_rate,
            "average_duration_minutes": k.average_duration_minutes, "recheck_rate": k.recheck_rate}
