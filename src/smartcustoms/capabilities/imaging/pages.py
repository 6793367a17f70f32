"""HTML pages: the central review page (queue, next scan), the scan page (pseudo-colour PNG from the server, zoom /
pan / contrast / region marking in vanilla JS served here, the declaration's goods list, the AI panel, the
decision form) and the enterprise product-filing page."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from smartcustoms.capabilities.imaging import services
from smartcustoms.capabilities.imaging.assignment import DECIDERS
from smartcustoms.capabilities.imaging.commands import DecideScan, FileProduct
from smartcustoms.kernel.errors import DomainError, FieldError, ValidationFailed
from smartcustoms.platform.http import get_runtime, page_principal, render
from smartcustoms.platform.identity.model import Principal

router = APIRouter(include_in_schema=False)
LOCAL = ZoneInfo("Asia/Shanghai")
SCRIPT = Path(__file__).resolve().parent / "templates" / "imaging" / "review.js"


def fmt(value: datetime | None) -> str:
    return value.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S") if value else ""


@router.get("/imaging/review.js")
def script() -> Response:
    return Response(SCRIPT.read_text(encoding="utf-8"), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache"})


@router.get("/imaging/review", response_class=HTMLResponse)
def review_page(request: Request, who: Principal = Depends(page_principal)) -> Response:
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        rows = services.access_queue(conn, who)
        missing = services.missing_uploads(conn)
    return render(request, "imaging/review.html", rows=rows, missing=missing, fmt=fmt,
                  can_decide=who.has(*DECIDERS), empty=request.query_params.get("empty") == "1")


@router.post("/imaging/review/next")
def next_page(request: Request, who: Principal = Depends(page_principal)) -> Response:
    scan_id = services.do_next(get_runtime(request), who)
    target = f"/imaging/scans/{scan_id}" if scan_id else "/imaging/review?empty=1"
    return RedirectResponse(target, status_code=303)


def _scan_context(request: Request, who: Principal, scan_id: str) -> dict[str, Any]:
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        row = services.access_scan(conn, who, scan_id)
        goods = services.access_goods(conn, row)
    analysis = row["analysis"] or {}
    return {"s": row, "goods": goods, "analysis": analysis, "fmt": fmt,
            "ai_regions": json.dumps(analysis.get("regions", [])), "marked": json.dumps(row["regions"] or []),
            "can_decide": who.has(*DECIDERS) and row["status"] != "decided"}


@router.get("/imaging/scans/{scan_id}", response_class=HTMLResponse)
def scan_page(scan_id: str, request: Request, who: Principal = Depends(page_principal)) -> Response:
    return render(request, "imaging/scan.html", **_scan_context(request, who, scan_id))


@router.post("/imaging/scans/{scan_id}/decide")
async def decide_page(scan_id: str, request: Request, decision: str = Form(...), regions: str = Form("[]"),
                      note: str = Form(""), who: Principal = Depends(page_principal)) -> Response:
    try:
        parsed = json.loads(regions or "[]")
        if not isinstance(parsed, list):
            raise ValueError
    except ValueError:
        parsed = None
    try:
        if parsed is None:
            raise ValidationFailed([FieldError("regions", "imaging.region_invalid")])
        await run_in_threadpool(services.do_decide, get_runtime(request), who,
                                DecideScan(scan_id, decision, parsed, note[:2000]))
    except ValidationFailed as exc:
        ctx = _scan_context(request, who, scan_id)
        return render(request, "imaging/scan.html", status_code=422, errors=exc.errors, **ctx)
    return RedirectResponse(f"/imaging/scans/{scan_id}", status_code=303)


@router.get("/imaging/filings", response_class=HTMLResponse)
def filings_page(request: Request, who: Principal = Depends(page_principal)) -> Response:
    with get_runtime(request).engine.connect() as conn:
        rows = services.access_filings(conn, who)
    return render(request, "imaging/filings.html", rows=rows, fmt=fmt, errors=[])


@router.post("/imaging/filings")
async def file_page(request: Request, name: str = Form(""), hs_code: str = Form(""), description: str = Form(""),
                    high: UploadFile = File(...), low: UploadFile = File(...),
                    who: Principal = Depends(page_principal)) -> Response:
    runtime = get_runtime(request)
    cmd = FileProduct(enterprise_id=who.enterprise_id or "", name=name, hs_code=hs_code, description=description,
                      high=await high.read(), low=await low.read())
    try:
        await run_in_threadpool(services.do_file_product, runtime, who, cmd)
    except ValidationFailed as exc:
        with runtime.engine.connect() as conn:
            rows = services.access_filings(conn, who)
        return render(request, "imaging/filings.html", status_code=422, rows=rows, fmt=fmt, errors=exc.errors)
    except DomainError:
        raise
    return RedirectResponse("/imaging/filings", status_code=303)
