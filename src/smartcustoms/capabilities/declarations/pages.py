"""HTML pages (Jinja2 + HTMX): the declarations list with filters and paging (partial refresh), and the detail
page with goods items, screening reasons, the stage timeline, the audit trail, attachments and officers' actions.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from smartcustoms.capabilities.declarations import db, services
from smartcustoms.capabilities.declarations.api import local_day_start
from smartcustoms.capabilities.declarations.commands import AddAttachment, TransitionDeclaration
from smartcustoms.capabilities.declarations.domain import STAGES, Action, Direction, allowed_actions, may_act
from smartcustoms.capabilities.declarations.ports import DIRECTORY
from smartcustoms.platform.http import get_runtime, page_principal, render
from smartcustoms.platform.identity.model import Principal, Role

router = APIRouter(include_in_schema=False)
LOCAL = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 25


def fmt(value: datetime | None) -> str:
    """Customs-local display time (Asia/Shanghai)."""
    return value.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/declarations", response_class=HTMLResponse)
def list_page(request: Request, who: Principal = Depends(page_principal), status: str | None = None,
              direction: str | None = None, customs_code: str | None = None, trader: str | None = None,
              declared_from: str | None = None, declared_to: str | None = None, hs_chapter: str | None = None,
              number: str | None = None, page: int = 1) -> Response:
    runtime = get_runtime(request)
    start, end = _date(declared_from), _date(declared_to)
    flt = db.ListFilter(status=status or None, direction=direction or None, customs_code=customs_code or None,
                        trader=trader or None, declared_from=local_day_start(start) if start else None,
                        declared_to=local_day_start(end + timedelta(days=1)) if end else None,
                        hs_chapter=hs_chapter if hs_chapter and len(hs_chapter) == 2 and hs_chapter.isdigit() else None,
                        number=number or None)
    with runtime.engine.connect() as conn:
        rows, total = services.access_list(conn, who, flt, page, PAGE_SIZE, runtime.port(DIRECTORY))
    query = {"status": status, "direction": direction, "customs_code": customs_code, "trader": trader,
             "declared_from": declared_from, "declared_to": declared_to, "hs_chapter": hs_chapter, "number": number}
    ctx: dict[str, Any] = {"rows": rows, "total": total, "page": max(1, page), "pages": max(1, -(-total // PAGE_SIZE)),
           "query": {k: v for k, v in query.items() if v}, "statuses": [s.value for s in STAGES],
           "directions": [d.value for d in Direction], "fmt": fmt}
    template = "declarations/_rows.html" if request.headers.get("hx-request") else "declarations/list.html"
    return render(request, template, **ctx)


def _actions_for(who: Principal, status_value: str, customs_code: str) -> list[str]:
    from smartcustoms.capabilities.declarations.domain import Status

    status = Status(status_value)
    if not who.is_customs or not who.covers_customs(customs_code):
        return []
    roles = frozenset(r.value for r in who.roles)
    return [a.value for a in allowed_actions(status)
            if a not in (Action.ACCEPT, Action.SCREEN) and may_act(roles, a, status)]


@router.get("/declarations/{declaration_id}", response_class=HTMLResponse)
def detail_page(declaration_id: str, request: Request, who: Principal = Depends(page_principal)) -> Response:
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        d = services.access_declaration(conn, who, declaration_id)
        stages = services.access_timeline(conn, who, declaration_id)
        trail = services.access_trail(conn, who, declaration_id)
        attachments = services.access_attachments(conn, who, declaration_id)
    return render(request, "declarations/detail.html", d=d, lc=d.lifecycle, stages=stages, trail=trail,
                  attachments=attachments, actions=_actions_for(who, d.lifecycle.status.value, d.customs_code),
                  may_upload=who.is_enterprise or (who.has(Role.INSPECTOR, Role.SECTION_CHIEF)
                                                   and who.covers_customs(d.customs_code)),
                  kinds=services.ATTACHMENT_KINDS, clearance_hours=services.clearance_hours(d.lifecycle), fmt=fmt)


@router.post("/declarations/{declaration_id}/actions/{action}")
def action_form(declaration_id: str, action: str, request: Request, result: str | None = Form(None),
                note: str | None = Form(None), who: Principal = Depends(page_principal)) -> Response:
    services.do_transition(get_runtime(request), who,
                           TransitionDeclaration(declaration_id, action, result or None, note or None))
    return RedirectResponse(f"/declarations/{declaration_id}", status_code=303)


@router.post("/declarations/{declaration_id}/attachments")
async def upload_form(declaration_id: str, request: Request, kind: str = Form(...), file: UploadFile = File(...),
                      who: Principal = Depends(page_principal)) -> Response:
    data = await file.read(services.MAX_ATTACHMENT_BYTES + 1)
    cmd = AddAttachment(declaration_id, kind, file.filename or "file", file.content_type or "", data)
    await run_in_threadpool(services.do_add_attachment, get_runtime(request), who, cmd)
    return RedirectResponse(f"/declarations/{declaration_id}", status_code=303)


