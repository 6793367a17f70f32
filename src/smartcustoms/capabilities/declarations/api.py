"""JSON API under /api/v1: declarations (one or a batch of up to 500), their timeline, audit trail, transitions
and paperless attachments; manifests. Edge schemas (pydantic) live here and become commands."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from smartcustoms.capabilities.declarations import db, manifests, services
from smartcustoms.capabilities.declarations.commands import (
    AddAttachment,
    BillLine,
    FileManifest,
    GoodsLine,
    SubmitDeclaration,
    TransitionDeclaration,
)
from smartcustoms.capabilities.declarations.domain import Declaration, Lifecycle, Reason
from smartcustoms.capabilities.declarations.ports import DIRECTORY
from smartcustoms.kernel.errors import FieldError, PermissionDenied, ValidationFailed
from smartcustoms.platform.http import get_runtime, locale, principal
from smartcustoms.platform.identity.model import Principal
from smartcustoms.platform.runtime import Runtime

router = APIRouter(tags=["declarations"])
LOCAL = ZoneInfo("Asia/Shanghai")


class GoodsItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seq: int = Field(ge=1, le=50)
    hs_code: str = Field(min_length=1, max_length=13, examples=["8504401400"])
    name: str = Field(min_length=1, max_length=200)
    spec: str = Field(default="", max_length=300)
    quantity: Decimal = Field(max_digits=19, decimal_places=5)
    unit: str = Field(min_length=3, max_length=3, examples=["007"])
    legal_quantity: Decimal = Field(max_digits=19, decimal_places=5)
    legal_unit: str = Field(min_length=3, max_length=3)
    unit_price: Decimal = Field(max_digits=19, decimal_places=4)
    total: Decimal = Field(max_digits=19, decimal_places=2)
    currency: str = Field(min_length=3, max_length=3, examples=["USD"])
    origin_country: str = Field(min_length=3, max_length=3, examples=["CHN"])
    destination_country: str = Field(min_length=3, max_length=3, examples=["USA"])


class DeclarationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(min_length=1, max_length=18, examples=["310420260000000001"])
    direction: str = Field(min_length=1, max_length=1, examples=["E"])
    customs_code: str = Field(min_length=4, max_length=4)
    port_code: str = Field(min_length=4, max_length=4)
    trader: str = Field(min_length=1, max_length=18, description="USCC or 10-character customs code")
    owner: str | None = Field(default=None, max_length=18)
    agent: str | None = Field(default=None, max_length=18, description="declaring agent; default the trader")
    trade_mode: str = Field(min_length=4, max_length=4, examples=["0110"])
    transport_mode: str = Field(min_length=1, max_length=1, examples=["2"])
    transport_name: str = Field(default="", max_length=100)
    bill_no: str | None = Field(default=None, max_length=64)
    trade_country: str = Field(min_length=3, max_length=3)
    departure_country: str = Field(min_length=3, max_length=3)
    destination_country: str = Field(min_length=3, max_length=3)
    terms: str = Field(min_length=1, max_length=1, description="成交方式 1 CIF … 3 FOB … 7 EXW")
    currency: str = Field(min_length=3, max_length=3)
    gross_weight: Decimal = Field(max_digits=16, decimal_places=3)
    net_weight: Decimal = Field(max_digits=16, decimal_places=3)
    packages: int = Field(ge=0, le=10_000_000)
    items: list[GoodsItemIn] = Field(max_length=60)

    def command(self) -> SubmitDeclaration:
        return SubmitDeclaration(
            number=self.number, direction=self.direction, customs_code=self.customs_code, port_code=self.port_code,
            trader=self.trader, owner=self.owner, agent=self.agent, trade_mode=self.trade_mode,
            transport_mode=self.transport_mode, transport_name=self.transport_name, bill_no=self.bill_no,
            trade_country=self.trade_country, departure_country=self.departure_country,
            destination_country=self.destination_country, terms=self.terms, currency=self.currency,
            gross_weight=self.gross_weight, net_weight=self.net_weight, packages=self.packages,
            items=tuple(GoodsLine(**i.__dict__) for i in self.items))


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    result: str | None = Field(default=None, description="record_inspection: conform or anomaly")
    note: str | None = Field(default=None, max_length=500)


class BillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bill_no: str = Field(min_length=1, max_length=64)
    shipper: str = Field(default="", max_length=200)
    consignee: str = Field(default="", max_length=200)
    goods_description: str = Field(default="", max_length=500)
    packages: int = Field(ge=0)
    gross_weight: Decimal = Field(max_digits=16, decimal_places=3)
    containers: list[str] = Field(default_factory=list, max_length=500)


class ManifestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(min_length=1, max_length=32)
    transport_mode: str = Field(min_length=1, max_length=1)
    transport_name: str = Field(default="", max_length=100)
    voyage: str = Field(default="", max_length=32)
    port_code: str = Field(min_length=4, max_length=4)
    arrival_at: datetime
    bills: list[BillIn] = Field(max_length=manifests.MAX_BILLS + 1)


# --- presentation ---------------------------------------------------------------------------------------------
def _texts(runtime: Runtime, loc: str, key: str, params: Any) -> dict[str, Any]:
    return {"message": runtime.translator.t(key, loc, **params), "messages": runtime.translator.both(key, **params)}


def field_errors(runtime: Runtime, loc: str, errors: list[FieldError]) -> list[dict[str, Any]]:
    return [{"field": e.field, "code": e.key, **_texts(runtime, loc, e.key, e.params)} for e in errors]


def reasons_json(runtime: Runtime, loc: str, reasons: tuple[Reason, ...]) -> list[dict[str, Any]]:
    return [{"rule": r.rule, "code": r.key, "params": dict(r.params), **_texts(runtime, loc, r.key, r.params)}
            for r in reasons]


def stages_json(lc: Lifecycle) -> dict[str, Any]:
    return {f"{stage.value}_at": at for stage, at in lc.stages()}


def declaration_json(runtime: Runtime, loc: str, d: Declaration, *, with_items: bool = True) -> dict[str, Any]:
    lc = d.lifecycle
    body: dict[str, Any] = {
        "id": d.id, "number": d.number, "direction": d.direction.value, "customs_code": d.customs_code,
        "port_code": d.port_code, "trader": {"id": d.trader_id, "code": d.trader_code, "name": d.trader_name},
        "owner": {"id": d.owner_id, "code": d.owner_code} if d.owner_id else None,
        "agent": {"id": d.agent_id, "code": d.agent_code}, "trade_mode": d.trade_mode,
        "transport_mode": d.transport_mode, "transport_name": d.transport_name, "bill_no": d.bill_no,
        "trade_country": d.trade_country, "departure_country": d.departure_country,
        "destination_country": d.destination_country, "terms": d.terms, "currency": d.currency,
        "gross_weight": str(d.gross_weight), "net_weight": str(d.net_weight), "packages": d.packages,
        "total_value": str(d.total_value), "status": lc.status.value,
        "channel": lc.channel.value if lc.channel else None, "reasons": reasons_json(runtime, loc, lc.reasons),
        "inspection_result": lc.inspection_result.value if lc.inspection_result else None,
        "stages": stages_json(lc), "clearance_hours": services.clearance_hours(lc)}
    if with_items:
        body["items"] = [{"seq": i.seq, "hs_code": i.hs_code, "name": i.name, "spec": i.spec,
                          "quantity": str(i.quantity.amount), "unit": i.quantity.unit,
                          "legal_quantity": str(i.legal_quantity.amount), "legal_unit": i.legal_quantity.unit,
                          "unit_price": str(i.unit_price), "total": str(i.total), "currency": i.currency,
                          "origin_country": i.origin_country, "destination_country": i.destination_country}
                         for i in d.items]
    return body


def summary_json(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "number": row["number"], "direction": row["direction"],
            "customs_code": row["customs_code"], "trader": {"id": row["trader_id"], "code": row["trader_code"],
                                                             "name": row["trader_name"]},
            "agent_id": row["agent_id"], "owner_id": row["owner_id"], "status": row["status"],
            "channel": row["channel"], "total_value": str(row["total_value"]), "currency": row["currency"],
            "items": row["item_count"], "declared_at": row["declared_at"], "released_at": row["released_at"]}


def _pydantic_errors(exc: ValidationError) -> list[FieldError]:
    kinds = {"missing": "field.required", "string_too_long": "field.too_long", "decimal_parsing": "field.not_a_number",
             "int_parsing": "field.not_a_number", "float_parsing": "field.not_a_number"}
    out = []
    for err in exc.errors():
        kind = err.get("type", "")
        params = {"max": err.get("ctx", {}).get("max_length")} if kind == "string_too_long" else {}
        out.append(FieldError(".".join(str(p) for p in err.get("loc", ())) or "body",
                              kinds.get(kind, "field.invalid"), params))
    return out


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL)


# --- declarations ----------------------------------------------------------------------------------------------
@router.post("/declarations", status_code=201)
def submit(body: DeclarationIn, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    runtime = get_runtime(request)
    d = services.do_submit(runtime, who, body.command())
    return declaration_json(runtime, locale(request), d)


class BatchIn(BaseModel):
    """Fast path: a batch whose every declaration is well-formed is parsed straight from JSON."""

    declarations: list[DeclarationIn] = Field(max_length=services.MAX_BATCH)


BATCH_SCHEMA = {"type": "object", "required": ["declarations"], "properties": {"declarations": {
    "type": "array", "maxItems": services.MAX_BATCH, "items": {"$ref": "#/components/schemas/DeclarationIn"},
    "description": "up to 500 declarations; each is checked on its own: the valid ones are stored, the "
                   "invalid ones are not"}}}


def _parse_batch(runtime: Runtime, loc: str, body: bytes) -> tuple[list[SubmitDeclaration], list[int],
                                                                    list[dict[str, Any] | None]]:
    """Commands, their positions in the batch, and the results of those already refused at the edge."""
    try:
        batch = BatchIn.model_validate_json(body)
    except ValidationError:
        pass
    else:
        return [d.command() for d in batch.declarations], list(range(len(batch.declarations))), \
            [None] * len(batch.declarations)
    try:
        payload = json.loads(body)
    except ValueError:
        raise ValidationFailed([FieldError("body", "field.invalid")]) from None
    raw = payload.get("declarations") if isinstance(payload, dict) else None
    if not isinstance(raw, list):
        raise ValidationFailed([FieldError("declarations", "field.required")])
    if len(raw) > services.MAX_BATCH:
        raise ValidationFailed([FieldError("declarations", "declarations.batch_too_large",
                                           {"max": services.MAX_BATCH})])
    commands: list[SubmitDeclaration] = []
    positions: list[int] = []
    results: list[dict[str, Any] | None] = [None] * len(raw)
    for index, item in enumerate(raw):
        try:
            commands.append(DeclarationIn.model_validate(item).command())
            positions.append(index)
        except ValidationError as exc:
            results[index] = {"index": index, "result": "invalid",
                              "errors": field_errors(runtime, loc, _pydantic_errors(exc))}
    return commands, positions, results


@router.post("/declarations/batch", openapi_extra={"requestBody": {"required": True, "content": {
    "application/json": {"schema": BATCH_SCHEMA}}}})
async def submit_batch(request: Request, who: Principal = Depends(principal)) -> JSONResponse:
    """Up to 500 declarations in one request and one transaction. Each is checked on its own: the valid ones
    are stored, the invalid ones are not, and each gets a result: created (with its status and channel),
    invalid (field errors), conflict (duplicate number) or forbidden (not your enterprise)."""
    if not who.is_enterprise:
        raise PermissionDenied("declarations.enterprise_only")
    runtime, loc = get_runtime(request), locale(request)
    commands, positions, results = _parse_batch(runtime, loc, await request.body())
    outcomes = await run_in_threadpool(services.do_submit_batch, runtime, who, commands) if commands else []
    for outcome in outcomes:
        index = positions[outcome.index]
        d = outcome.declaration
        if d is not None:
            results[index] = {"index": index, "result": "created", "id": d.id, "number": d.number,
                              "status": d.lifecycle.status.value,
                              "channel": d.lifecycle.channel.value if d.lifecycle.channel else None}
        else:
            item: dict[str, Any] = {"index": index, "result": outcome.result, "code": outcome.key,
                                    **_texts(runtime, loc, outcome.key or "error.internal", outcome.params)}
            if outcome.errors:
                item["errors"] = field_errors(runtime, loc, outcome.errors)
            results[index] = item
    created = sum(1 for r in results if r and r["result"] == "created")
    return JSONResponse({"created": created, "rejected": len(results) - created, "results": results})


@router.get("/declarations")
def list_declarations(request: Request, who: Principal = Depends(principal), status: str | None = None,
                      direction: str | None = None, customs_code: str | None = None, trader: str | None = None,
                      declared_from: date | None = None, declared_to: date | None = None,
                      hs_chapter: str | None = None, number: str | None = None, page: int = 1,
                      size: int = 50) -> dict[str, Any]:
    """Filters: status, direction (I/E), customs_code, trader (id, USCC or customs code), declared_from /
    declared_to (local dates, inclusive), hs_chapter (2 digits), number (prefix). Newest first."""
    if hs_chapter is not None and not (len(hs_chapter) == 2 and hs_chapter.isdigit()):
        raise ValidationFailed([FieldError("hs_chapter", "field.invalid")])
    flt = db.ListFilter(status=status, direction=direction, customs_code=customs_code, trader=trader,
                        declared_from=local_day_start(declared_from) if declared_from else None,
                        declared_to=local_day_start(declared_to + timedelta(days=1)) if declared_to else None,
                        hs_chapter=hs_chapter, number=number)
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        rows, total = services.access_list(conn, who, flt, page, size, runtime.port(DIRECTORY))
    return {"total": total, "page": max(1, page), "size": max(1, min(size, 200)),
            "items": [summary_json(r) for r in rows]}


@router.get("/declarations/{declaration_id}")
def get_declaration(declaration_id: str, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        d = services.access_declaration(conn, who, declaration_id)
    return declaration_json(runtime, locale(request), d)


@router.get("/declarations/{declaration_id}/timeline")
def get_timeline(declaration_id: str, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    runtime, loc = get_runtime(request), locale(request)
    with runtime.engine.connect() as conn:
        stages = services.access_timeline(conn, who, declaration_id)
    return {"declaration_id": declaration_id,
            "stages": [{"stage": s, "at": at, "label": runtime.translator.t(f"declarations.status.{s}", loc)}
                       for s, at in stages]}


@router.get("/declarations/{declaration_id}/audit")
def get_audit(declaration_id: str, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    with get_runtime(request).engine.connect() as conn:
        entries = services.access_trail(conn, who, declaration_id)
    return {"declaration_id": declaration_id,
            "entries": [{k: e[k] for k in ("seq", "at", "actor_id", "actor_name", "action", "before", "after",
                                           "hash")} for e in entries]}


@router.post("/declarations/{declaration_id}/transitions/{action}")
def post_transition(declaration_id: str, action: str, request: Request, body: TransitionIn | None = None,
                    who: Principal = Depends(principal)) -> dict[str, Any]:
    runtime = get_runtime(request)
    body = body or TransitionIn()
    d = services.do_transition(runtime, who, TransitionDeclaration(declaration_id, action, body.result, body.note))
    return declaration_json(runtime, locale(request), d, with_items=False)


# --- attachments -------------------------------------------------------------------------------------------------
def attachment_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "declaration_id", "kind", "filename", "content_type", "sha256", "size",
                                "uploaded_by", "uploaded_at")}


@router.post("/declarations/{declaration_id}/attachments", status_code=201)
async def upload_attachment(declaration_id: str, request: Request, kind: str = Form(...),
                            file: UploadFile = File(...), who: Principal = Depends(principal)) -> dict[str, Any]:
    data = await file.read(services.MAX_ATTACHMENT_BYTES + 1)
    cmd = AddAttachment(declaration_id, kind, file.filename or "file", file.content_type or "", data)
    row = await run_in_threadpool(services.do_add_attachment, get_runtime(request), who, cmd)
    return attachment_json(row)


@router.get("/declarations/{declaration_id}/attachments")
def list_attachments(declaration_id: str, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    with get_runtime(request).engine.connect() as conn:
        rows = services.access_attachments(conn, who, declaration_id)
    return {"items": [attachment_json(r) for r in rows]}


@router.get("/declarations/{declaration_id}/attachments/{attachment_id}")
def download_attachment(declaration_id: str, attachment_id: str, request: Request,
                        who: Principal = Depends(principal)) -> Response:
    row, data = services.access_attachment_content(get_runtime(request), who, declaration_id, attachment_id)
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in row["filename"])
    return Response(data, media_type=row["content_type"], headers={
        "Content-Disposition": f'attachment; filename="{safe}"', "X-Content-SHA256": row["sha256"],
        "X-Content-Type-Options": "nosniff"})


# --- manifests ---------------------------------------------------------------------------------------------------
@router.post("/manifests", status_code=201)
def file_manifest(body: ManifestIn, request: Request, who: Principal = Depends(principal)) -> JSONResponse:
    runtime = get_runtime(request)
    if body.arrival_at.tzinfo is None:
        raise ValidationFailed([FieldError("arrival_at", "field.invalid")])
    cmd = FileManifest(number=body.number, transport_mode=body.transport_mode, transport_name=body.transport_name,
                       voyage=body.voyage, port_code=body.port_code, arrival_at=body.arrival_at,
                       bills=tuple(BillLine(b.bill_no, b.shipper, b.consignee, b.goods_description, b.packages,
                                            b.gross_weight, tuple(b.containers)) for b in body.bills))
    manifest_id = manifests.do_file_manifest(runtime, who, cmd)
    with runtime.engine.connect() as conn:
        manifest = manifests.access_manifest(conn, who, manifest_id)
    return JSONResponse(_manifest_json(manifest), status_code=201)


def _manifest_json(m: dict[str, Any]) -> dict[str, Any]:
    out = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in m.items() if k != "bills"}
    out["bills"] = [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in b.items()} for b in m.get("bills", [])]
    return out


@router.get("/manifests")
def list_manifests(request: Request, who: Principal = Depends(principal), page: int = 1,
                   size: int = 50) -> dict[str, Any]:
    with get_runtime(request).engine.connect() as conn:
        rows = manifests.access_manifests(conn, who, page, size)
    return {"items": [_manifest_json(r) for r in rows]}


@router.get("/manifests/{manifest_id}")
def get_manifest(manifest_id: str, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    with get_runtime(request).engine.connect() as conn:
        return _manifest_json(manifests.access_manifest(conn, who, manifest_id))
