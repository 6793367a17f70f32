"""Officer pages at phone size (移动单兵): my tasks, the task with its report form (offline-safe drafts, photos,
samples, e-signature), the section chief's approvals with KPIs, the auditor's record and the vehicle
certificate. The JavaScript and CSS are served from this capability's static folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from smartcustoms.capabilities.declarations.queries import declaration_detail, get_declaration
from smartcustoms.capabilities.inspection import api, logistics, queries, reports, services
from smartcustoms.capabilities.inspection.domain import DISCREPANCY_KINDS
from smartcustoms.kernel.errors import NotFound
from smartcustoms.platform.http import get_runtime, locale, page_principal, render
from smartcustoms.platform.identity.model import Principal, Role

router = APIRouter(include_in_schema=False)
LOCAL = ZoneInfo("Asia/Shanghai")
STATIC = Path(__file__).resolve().parent / "static"
KIND_LABELS = {"quantity": ("数量", "Quantity"), "weight": ("重量", "Weight"),
               "hs_code": ("商品编码", "HS code"), "origin": ("原产地", "Origin"),
               "brand_ipr": ("品牌/知识产权", "Brand / IPR"), "value": ("价格", "Value"),
               "prohibited": ("禁限物品", "Prohibited goods"), "other": ("其他", "Other")}


def fmt(value: datetime | None) -> str:
    return value.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if value else ""


def _kinds(locale: str) -> list[tuple[str, str]]:
    return [(k, KIND_LABELS[k][0 if locale == "zh-CN" else 1]) for k in DISCREPANCY_KINDS]


@router.get("/inspection/static/{name}")
def static(name: str) -> Response:
    if name not in ("inspection.js", "inspection.css"):
        raise NotFound("inspection.task_not_found")
    return FileResponse(STATIC / name, media_type="text/javascript" if name.endswith(".js") else "text/css",
                        headers={"Cache-Control": "no-cache"})


@router.get("/inspection", response_class=HTMLResponse)
def my_tasks(request: Request, who: Principal = Depends(page_principal)) -> Response:
    if who.has(Role.SECTION_CHIEF) and not who.has(Role.INSPECTOR):
        return RedirectResponse("/inspection/chief", status_code=303)
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        tasks = queries.tasks_of_officer(conn, who.user_id) if who.has(Role.INSPECTOR) else []
    return render(request, "inspection/tasks.html", tasks=tasks, fmt=fmt)


@router.get("/inspection/tasks/{task_id}", response_class=HTMLResponse)
def task_page(task_id: str, request: Request, who: Principal = Depends(page_principal)) -> Response:
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        task = services.access_task(conn, who, task_id)
        decl = get_declaration(conn, task["declaration_id"])
        detail = declaration_detail(conn, task["declaration_id"])
        marks = queries.scan_marks(conn, task_id)  # access_task already refused enterprises
        result = reports.report_result(conn, task_id) if task["state"] not in (
            "ordered", "assigned", "claimed", "in_progress") else None
    by_seq = {i.seq: i for i in detail.items} if detail else {}
    items = [(seq, by_seq.get(seq)) for seq in task["target_items"]]
    loc = locale(request)
    return render(request, "inspection/task.html", task=task, decl=decl, detail=detail, items=items, marks=marks,
                  result=result, fmt=fmt, kinds=_kinds(loc), mine=task["officer_id"] == who.user_id)


@router.get("/inspection/chief", response_class=HTMLResponse)
def chief_page(request: Request, who: Principal = Depends(page_principal)) -> Response:
    runtime = get_runtime(request)
    if not who.has(Role.SECTION_CHIEF, Role.AUDITOR, Role.ADMIN):
        raise NotFound("inspection.task_not_found")
    with runtime.engine.connect() as conn:
        pending = queries.awaiting_chief(conn, who.customs_scope)
        kpis = queries.compute_kpis(conn, who.customs_scope)
    return render(request, "inspection/chief.html", pending=pending, kpis=kpis, fmt=fmt,
                  may_decide=who.has(Role.SECTION_CHIEF))


@router.post("/inspection/chief/{task_id}")
def chief_decide(task_id: str, request: Request, decision: str = Form(...), note: str = Form(""),
                 who: Principal = Depends(page_principal)) -> Response:
    reports.do_decide(get_runtime(request), who, task_id, decision, note)
    return RedirectResponse("/inspection/chief", status_code=303)


@router.get("/inspection/declarations/{declaration_id}", response_class=HTMLResponse)
def record_page(declaration_id: str, request: Request, who: Principal = Depends(page_principal)) -> Response:
    body: dict[str, Any] = api.access_record(get_runtime(request), who, declaration_id)
    return render(request, "inspection/record.html", rec=body, fmt=fmt)


@router.get("/inspection/vehicles/{vehicle_id}/certificate", response_class=HTMLResponse)
def certificate_page(vehicle_id: str, request: Request, who: Principal = Depends(page_principal)) -> Response:
    with get_runtime(request).engine.connect() as conn:
        vehicle = logistics.access_vehicle(conn, who, vehicle_id)
        decl = get_declaration(conn, vehicle["declaration_id"])
    if not vehicle["certificate_no"]:
        raise NotFound("inspection.vehicle_not_found")
    return render(request, "inspection/certificate.html", v=vehicle, decl=decl, fmt=fmt)
