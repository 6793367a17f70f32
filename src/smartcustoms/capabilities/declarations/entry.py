"""The declaration entry page (报关单录入) for enterprise users and brokers, with live HS classification hints:
suggestions while the goods name is typed, and a warning when the declared commodity code disagrees with a
confident prediction. The hints come from the `classification.suggest` / `classification.disagreement` ports
when that capability is installed; without it the page works without hints."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

import smartcustoms.capabilities.reference.queries as reference
from smartcustoms.capabilities.declarations import services
from smartcustoms.capabilities.declarations.api import DeclarationIn, _pydantic_errors, field_errors
from smartcustoms.capabilities.declarations.ports import DIRECTORY
from smartcustoms.kernel.codes import make_declaration_number
from smartcustoms.kernel.errors import Conflict, FieldError, ValidationFailed
from smartcustoms.platform.http import get_runtime, locale, page_principal, render, require
from smartcustoms.platform.identity.model import Principal, Role

router = APIRouter(include_in_schema=False)
DECLARANT = require(Role.ENTERPRISE_USER, Role.BROKER, page=True)
HEADER_FIELDS = ("number", "direction", "customs_code", "port_code", "trader", "owner", "agent", "trade_mode",
                 "transport_mode", "transport_name", "bill_no", "trade_country", "departure_country",
                 "destination_country", "terms", "currency", "gross_weight", "net_weight", "packages")
ITEM_FIELDS = ("hs_code", "name", "spec", "quantity", "unit", "legal_quantity", "legal_unit", "unit_price", "total",
               "origin_country", "destination_country")
MAX_ROWS = 50
SUGGEST, DISAGREE = "classification.suggest", "classification.disagreement"


def _defaults(runtime: Any, who: Principal) -> dict[str, Any]:
    own = None
    with runtime.engine.connect() as conn:
        view = runtime.port(DIRECTORY).enterprise(conn, who.enterprise_id) if who.enterprise_id else None
        own = getattr(view, "customs_code", None)
    now = runtime.clock.now()
    customs = "3104"
    # a pre-entry number suggestion: the serial follows the clock, the declarant may change it
    number = make_declaration_number(customs, now.year, "I", int(time.time() * 10) % 1_000_000_000)
    header = {"number": number, "direction": "I", "customs_code": customs, "port_code": customs,
              "trader": own if Role.ENTERPRISE_USER in who.roles else "",
              "agent": own if Role.BROKER in who.roles else "", "trade_mode": "0110", "transport_mode": "2",
              "terms": "1", "currency": "USD", "trade_country": "", "departure_country": "",
              "destination_country": "CHN", "packages": "1"}
    return {"header": header, "items": [{"unit": "007", "legal_unit": "007", "destination_country": "CHN"}]}


def _options(runtime: Any, loc: str) -> dict[str, list[tuple[str, str]]]:
    name = "name_zh" if loc == "zh-CN" else "name_en"
    with runtime.engine.connect() as conn:
        return {table: [(r["code"], str(r.get(name) or r.get("name_en") or "")) for r in
                        reference.list_table(conn, table)]
                for table in ("trade_modes", "transport_modes", "countries", "currencies", "units",
                              "customs_offices")}


def _parse(form: FormData) -> tuple[dict[str, Any], list[dict[str, str]]]:
    header = {f: str(form.get(f) or "").strip() for f in HEADER_FIELDS}
    rows = []
    for i in range(MAX_ROWS):
        row = {f: str(form.get(f"items-{i}-{f}") or "").strip() for f in ITEM_FIELDS}
        if any(row.values()):
            rows.append(row)
    return header, rows


def _payload(header: dict[str, Any], rows: list[dict[str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in header.items() if v != ""}
    for optional in ("owner", "agent", "bill_no"):
        data.setdefault(optional, None)
    data["items"] = [{**{k: v for k, v in row.items() if v != ""}, "seq": n, "currency": header.get("currency", "")}
                     for n, row in enumerate(rows, start=1)]
    return data


def _form(request: Request, header: dict[str, Any], items: list[dict[str, Any]],
          errors: dict[str, str] | None = None, status_code: int = 200, message: str | None = None) -> Response:
    runtime = get_runtime(request)
    return render(request, "declarations/new.html", status_code=status_code, header=header,
                  items=items or [{}], errors=errors or {}, message=message,
                  options=_options(runtime, locale(request)), hints=SUGGEST in runtime.ports)


@router.get("/declarations/new", response_class=HTMLResponse)
def new_declaration(request: Request, who: Principal = DECLARANT) -> Response:
    d = _defaults(get_runtime(request), who)
    return _form(request, d["header"], d["items"])


@router.post("/declarations/new", response_class=HTMLResponse)
async def submit_declaration(request: Request, who: Principal = DECLARANT) -> Response:
    runtime = get_runtime(request)
    loc = locale(request)
    header, rows = _parse(await request.form())
    try:
        cmd = DeclarationIn.model_validate(_payload(header, rows)).command()
    except ValidationError as exc:
        return _refused(request, header, rows, _pydantic_errors(exc))
    try:
        declaration = services.do_submit(runtime, who, cmd)
    except ValidationFailed as exc:
        return _refused(request, header, rows, exc.errors)
    except Conflict as exc:
        return _form(request, header, rows, {"number": runtime.translator.t(exc.key, loc, **exc.params)}, 409)
    return RedirectResponse(f"/declarations/{declaration.id}", status_code=303)


def _refused(request: Request, header: dict[str, Any], rows: list[dict[str, str]],
             errors: list[FieldError]) -> Response:
    runtime = get_runtime(request)
    loc = locale(request)
    by_field: dict[str, str] = {}
    for e in field_errors(runtime, loc, errors):
        by_field.setdefault(e["field"], e["message"])
    summary = runtime.translator.t("error.validation_failed", loc, count=len(errors))
    return _form(request, header, rows, by_field, 422, summary)


@router.post("/declarations/new/row", response_class=HTMLResponse)
async def new_row(request: Request, who: Principal = DECLARANT) -> Response:
    """One more goods item row (HTMX)."""
    form = await request.form()
    index = min(int(str(form.get("rows") or "1")), MAX_ROWS - 1)
    return render(request, "declarations/_item_row.html", i=index,
                  item={"unit": "007", "legal_unit": "007", "destination_country": "CHN"}, errors={},
                  hints=SUGGEST in get_runtime(request).ports, options=_options(get_runtime(request),
                                                                                locale(request)))


@router.post("/declarations/new/hs-hints/{index}", response_class=HTMLResponse)
async def hs_hints(request: Request, index: int, who: Principal = DECLARANT) -> Response:
    """Top-3 HS suggestions for the goods item being typed, and a warning if the declared code disagrees."""
    runtime = get_runtime(request)
    form = await request.form()
    name = str(form.get(f"items-{index}-name") or "")[:300]
    spec = str(form.get(f"items-{index}-spec") or "")[:300]
    code = str(form.get(f"items-{index}-hs_code") or "")
    result, warning = None, None
    if SUGGEST in runtime.ports and name.strip():
        result = runtime.port(SUGGEST)(name, spec, 3, explain=False)
        if code.strip() and DISAGREE in runtime.ports:
            warning = runtime.port(DISAGREE)(name, spec, code)
    return render(request, "declarations/_hs_hints.html", i=index, result=result, warning=warning)


@router.get("/declarations/{declaration_id}/hs-check", response_class=HTMLResponse)
def hs_check(request: Request, declaration_id: str, who: Principal = Depends(page_principal)) -> Response:
    """Goods items whose declared code disagrees with a confident prediction (loaded by the detail page)."""
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        d = services.access_declaration(conn, who, declaration_id)
    warnings = []
    if DISAGREE in runtime.ports:
        for item in d.items:
            found = runtime.port(DISAGREE)(item.name, item.spec, item.hs_code)
            if found is not None:
                warnings.append((item.seq, found))
    return render(request, "declarations/_hs_check.html", warnings=warnings)
