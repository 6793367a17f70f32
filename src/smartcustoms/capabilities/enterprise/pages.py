"""Enterprise pages: the registry list (customs officers) and one enterprise with its credit grade history.
An enterprise user or broker who opens the list is sent to its own enterprise's page."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from smartcustoms.capabilities.enterprise import queries, services
from smartcustoms.capabilities.enterprise.commands import ChangeCreditGrade, RegisterEnterprise
from smartcustoms.capabilities.enterprise.domain import CreditGrade, EnterpriseKind
from smartcustoms.capabilities.enterprise.queries import customs_today
from smartcustoms.capabilities.reference.queries import label, list_table
from smartcustoms.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from smartcustoms.platform.http import get_runtime, locale, page_principal, render
from smartcustoms.platform.identity.model import Principal

pages = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@pages.get("/enterprises")
def enterprise_list(request: Request, q: str = Query("", max_length=200), kind: str = Query("", max_length=32),
                    grade: str = Query("", max_length=32), page: int = Query(1, ge=1),
                    who: Principal = Depends(page_principal)) -> Response:
    if who.is_enterprise:
        if who.enterprise_id is None:
            raise NotFound("enterprise.not_found")
        return RedirectResponse(f"/enterprises/{who.enterprise_id}", status_code=303)
    services.access_list(who)
    runtime = get_runtime(request)
    loc = locale(request)
    with runtime.engine.connect() as conn:
        result = queries.list_enterprises(conn, on=customs_today(runtime.clock), q=q or None, kind=kind or None,
                                          grade=grade or None, page=page, page_size=PAGE_SIZE)
        offices = {e.registered_customs: label(conn, "customs_offices", e.registered_customs, loc)
                   for e in result.items}

    def page_link(n: int) -> str:
        return "/enterprises?" + urlencode({k: v for k, v in {"q": q, "kind": kind, "grade": grade,
                                                              "page": n}.items() if v})

    pages_total = max(1, -(-result.total // PAGE_SIZE))
    return render(request, "enterprise/list.html", result=result, offices=offices, q=q, kind=kind, grade=grade,
                  kinds=list(EnterpriseKind), grades=list(CreditGrade), can_register=who.has(*services.REGISTRARS),
                  previous=page_link(page - 1) if page > 1 else None,
                  next=page_link(page + 1) if page < pages_total else None)


REGISTER_FIELDS = ("uscc", "customs_code", "name_zh", "name_en", "kind", "address", "registered_customs",
                   "credit_grade", "registered_on")


def _register_form(request: Request, form: dict[str, str], errors: dict[str, str], status_code: int = 200) -> Response:
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        offices = _offices(conn, locale(request))
    return render(request, "enterprise/new.html", status_code=status_code, form=form, errors=errors,
                  kinds=list(EnterpriseKind), grades=list(CreditGrade), offices=offices,
                  today=customs_today(runtime.clock))


def _offices(conn: Any, loc: str) -> list[tuple[str, str]]:
    return [(r["code"], r["name_zh"] if loc == "zh-CN" else r["name_en"]) for r in list_table(conn, "customs_offices")]


@pages.get("/enterprises/new")
def enterprise_new(request: Request, who: Principal = Depends(page_principal)) -> Response:
    """Registration form (administrators)."""
    services.require_registrar(who)
    return _register_form(request, {"kind": "trader", "credit_grade": "general"}, {})


@pages.post("/enterprises/new")
async def enterprise_create(request: Request, who: Principal = Depends(page_principal)) -> Response:
    services.require_registrar(who)
    runtime = get_runtime(request)
    data = await request.form()
    form = {k: str(data.get(k) or "").strip() for k in REGISTER_FIELDS}
    loc = locale(request)
    try:
        try:
            registered_on = date.fromisoformat(form["registered_on"]) if form["registered_on"] else None
        except ValueError:
            raise ValidationFailed([FieldError("registered_on", "field.invalid")]) from None
        enterprise_id = services.do_register(runtime, who, RegisterEnterprise(
            uscc=form["uscc"], customs_code=form["customs_code"], name_zh=form["name_zh"],
            name_en=form["name_en"] or None, kind=form["kind"], address=form["address"] or None,
            registered_customs=form["registered_customs"], credit_grade=form["credit_grade"],
            registered_on=registered_on))
    except ValidationFailed as exc:
        errors = {e.field: runtime.translator.t(e.key, loc, **e.params) for e in exc.errors}
        return _register_form(request, form, errors, status_code=422)
    except Conflict as exc:
        field = "uscc" if exc.key == "enterprise.duplicate_uscc" else "customs_code"
        return _register_form(request, form, {field: runtime.translator.t(exc.key, loc, **exc.params)},
                              status_code=409)
    return RedirectResponse(f"/enterprises/{enterprise_id}", status_code=303)


def _detail(request: Request, who: Principal, enterprise_id: str, status_code: int = 200,
            **extra: Any) -> Response:
    runtime = get_runtime(request)
    today = customs_today(runtime.clock)
    with runtime.engine.connect() as conn:
        row = services.access_enterprise(conn, who, enterprise_id, today)
        history = queries.grade_history(conn, enterprise_id)
        office = label(conn, "customs_offices", row["registered_customs"], locale(request))
    in_force = next((r for r in history if r.effective_from <= today), None)
    return render(request, "enterprise/detail.html", status_code=status_code, e=row, history=history,
                  in_force=in_force, today=today, office=office, grades=list(CreditGrade),
                  can_grade=who.has(*services.GRADERS), **extra)


@pages.get("/enterprises/{enterprise_id}")
def enterprise_detail(enterprise_id: str, request: Request, saved: int = 0,
                      who: Principal = Depends(page_principal)) -> Response:
    return _detail(request, who, enterprise_id, saved=bool(saved), errors={}, form={})


@pages.post("/enterprises/{enterprise_id}/credit-grades")
def enterprise_change_grade(enterprise_id: str, request: Request, grade: str = Form(""),
                            effective_from: str = Form(""), reason: str = Form(""),
                            who: Principal = Depends(page_principal)) -> Response:
    runtime = get_runtime(request)
    form = {"grade": grade, "effective_from": effective_from, "reason": reason}
    try:
        try:
            when = date.fromisoformat(effective_from) if effective_from else customs_today(runtime.clock)
        except ValueError:
            raise ValidationFailed([FieldError("effective_from", "field.invalid")]) from None
        services.do_change_grade(runtime, who, ChangeCreditGrade(enterprise_id, grade, when, reason))
    except ValidationFailed as exc:
        loc = locale(request)
        errors = {e.field: runtime.translator.t(e.key, loc, **e.params) for e in exc.errors}
        return _detail(request, who, enterprise_id, status_code=422, saved=False, errors=errors, form=form)
    return RedirectResponse(f"/enterprises/{enterprise_id}?saved=1", status_code=303)
