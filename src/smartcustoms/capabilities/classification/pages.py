"""The officer workbench page /classification (Jinja2 + HTMX): suggestions with explanations, confirm or
correct, code look-up."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from smartcustoms.capabilities.classification import queries, services
from smartcustoms.capabilities.classification.commands import GoodsText, RecordDecision
from smartcustoms.capabilities.classification.domain import MAX_TEXT, Correction
from smartcustoms.kernel.errors import ValidationFailed
from smartcustoms.platform.http import get_runtime, page_principal, render
from smartcustoms.platform.identity.model import Principal
from smartcustoms.platform.runtime import Runtime

router = APIRouter(include_in_schema=False)


def _can_decide(who: Principal) -> bool:
    return who.has(*services.DECIDERS)


def _recent(runtime: Runtime, who: Principal) -> list[Correction]:
    """Officers' recent decisions: customs staff only (the goods texts may come from any enterprise)."""
    return queries.recent_decisions(runtime, 20) if who.is_customs else []


@router.get("/classification", response_class=HTMLResponse)
def workbench(request: Request, runtime: Runtime = Depends(get_runtime),
              who: Principal = Depends(page_principal)) -> HTMLResponse:
    return render(request, "classification/workbench.html", can_decide=_can_decide(who),
                  recent=_recent(runtime, who))


@router.post("/classification/suggest", response_class=HTMLResponse)
async def suggest_fragment(request: Request, name: str = Form(""), spec: str = Form(""), brand: str = Form(""),
                           use: str = Form(""), material: str = Form(""), runtime: Runtime = Depends(get_runtime),
                           who: Principal = Depends(page_principal)) -> HTMLResponse:
    item = GoodsText(name[:MAX_TEXT], spec[:MAX_TEXT], brand[:MAX_TEXT], use[:MAX_TEXT], material[:MAX_TEXT])
    result = None
    errors: list[str] = []
    try:
        services.check_goods([item])
        result = (await run_in_threadpool(queries.suggest_many, runtime, [item], 5))[0]
    except ValidationFailed as exc:
        errors = [e.field for e in exc.errors]
    template = "classification/_suggestions.html"
    if not request.headers.get("hx-request"):
        template = "classification/workbench.html"
    return render(request, template, result=result, form=item, errors=errors, can_decide=_can_decide(who),
                  recent=_recent(runtime, who))


@router.post("/classification/decide", response_class=HTMLResponse)
def decide(request: Request, name: str = Form(""), spec: str = Form(""), confirmed_code: str = Form(""),
           predicted_code: str = Form(""), runtime: Runtime = Depends(get_runtime),
           who: Principal = Depends(page_principal)) -> HTMLResponse:
    correction = services.do_record_decision(runtime, who, RecordDecision(name, spec, confirmed_code.strip(),
                                                                           predicted_code.strip() or None))
    return render(request, "classification/_decided.html", correction=correction)


@router.get("/classification/lookup", response_class=HTMLResponse)
def lookup(request: Request, q: str = "", runtime: Runtime = Depends(get_runtime),
           who: Principal = Depends(page_principal)) -> HTMLResponse:
    rows = queries.lookup(runtime, q[:200], 25) if q.strip() else []
    return render(request, "classification/_lookup.html", rows=rows, q=q)
