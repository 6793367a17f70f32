"""Enterprise registry over HTTP (JSON, under /api/v1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from smartcustoms.capabilities.enterprise import queries, services
from smartcustoms.capabilities.enterprise.commands import ChangeCreditGrade, RegisterEnterprise, UpdateEnterprise
from smartcustoms.capabilities.enterprise.queries import customs_today
from smartcustoms.platform.http import get_runtime, principal
from smartcustoms.platform.identity.model import Principal

router = APIRouter(prefix="/enterprises", tags=["enterprise"])

_TEXT = Field(None, max_length=1000)


class RegisterIn(BaseModel):
    """Every field is checked by the service, so all problems are reported at once."""

    uscc: str | None = _TEXT
    customs_code: str | None = _TEXT
    name_zh: str | None = _TEXT
    name_en: str | None = _TEXT
    kind: str | None = _TEXT
    address: str | None = _TEXT
    registered_customs: str | None = _TEXT
    credit_grade: str | None = Field("general", max_length=64)
    registered_on: date | None = None


class UpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_zh: str | None = _TEXT
    name_en: str | None = _TEXT
    kind: str | None = _TEXT
    address: str | None = _TEXT
    registered_customs: str | None = _TEXT


class GradeIn(BaseModel):
    grade: str | None = Field(None, max_length=64)
    effective_from: date | None = None
    """Default: today (customs-local)."""
    reason: str | None = _TEXT


class EnterpriseOut(BaseModel):
    id: str
    uscc: str
    customs_code: str
    name_zh: str
    name_en: str | None
    kind: str
    credit_grade: str
    registered_customs: str
    address: str | None
    registered_on: date
    registered_at: datetime


class EnterprisePage(BaseModel):
    items: list[EnterpriseOut]
    total: int
    page: int
    page_size: int


class GradeOut(BaseModel):
    grade: str
    effective_from: date
    reason: str
    recorded_by: str
    recorded_at: datetime


def _out(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in EnterpriseOut.model_fields}


def _view(request: Request, who: Principal, enterprise_id: str) -> dict[str, Any]:
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        return _out(services.access_enterprise(conn, who, enterprise_id, customs_today(runtime.clock)))


@router.post("", response_model=EnterpriseOut, status_code=201)
def register(body: RegisterIn, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    cmd = RegisterEnterprise(uscc=body.uscc or "", customs_code=body.customs_code or "", name_zh=body.name_zh or "",
                             kind=body.kind or "", registered_customs=body.registered_customs or "",
                             name_en=body.name_en, address=body.address, credit_grade=body.credit_grade or "",
                             registered_on=body.registered_on)
    enterprise_id = services.do_register(get_runtime(request), who, cmd)
    return _view(request, who, enterprise_id)


@router.get("", response_model=EnterprisePage)
def list_enterprises(request: Request, q: str | None = Query(None, max_length=200),
                     kind: str | None = Query(None, max_length=32), grade: str | None = Query(None, max_length=32),
                     registered_customs: str | None = Query(None, max_length=4), page: int = Query(1, ge=1),
                     page_size: int = Query(50, ge=1, le=200), who: Principal = Depends(principal)) -> dict[str, Any]:
    """Customs officers only. Filters: text in name or codes, kind, current credit grade, registering office."""
    services.access_list(who)
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        result = queries.list_enterprises(
            conn, on=customs_today(runtime.clock), q=q, kind=kind, grade=grade,
            registered_customs=[registered_customs] if registered_customs else None, page=page, page_size=page_size)
    return {"items": [vars(v) for v in result.items], "total": result.total, "page": result.page,
            "page_size": result.page_size}


@router.get("/{enterprise_id}", response_model=EnterpriseOut)
def get_enterprise(enterprise_id: str, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    return _view(request, who, enterprise_id)


@router.patch("/{enterprise_id}", response_model=EnterpriseOut)
def update_enterprise(enterprise_id: str, body: UpdateIn, request: Request,
                      who: Principal = Depends(principal)) -> dict[str, Any]:
    services.do_update(get_runtime(request), who, UpdateEnterprise(enterprise_id=enterprise_id, **body.model_dump()))
    return _view(request, who, enterprise_id)


@router.post("/{enterprise_id}/credit-grades", response_model=EnterpriseOut, status_code=201)
def change_grade(enterprise_id: str, body: GradeIn, request: Request,
                 who: Principal = Depends(principal)) -> dict[str, Any]:
    """Record a credit grade in force from `effective_from`; returns the enterprise with its current grade."""
    runtime = get_runtime(request)
    services.do_change_grade(runtime, who, ChangeCreditGrade(
        enterprise_id=enterprise_id, grade=body.grade or "", reason=body.reason or "",
        effective_from=body.effective_from or customs_today(runtime.clock)))
    return _view(request, who, enterprise_id)


@router.get("/{enterprise_id}/credit-grades", response_model=list[GradeOut])
def grade_history(enterprise_id: str, request: Request, who: Principal = Depends(principal)) -> list[dict[str, Any]]:
    """The grade history, newest `effective_from` first."""
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        services.access_enterprise(conn, who, enterprise_id, customs_today(runtime.clock))
        return [vars(r) for r in queries.grade_history(conn, enterprise_id)]
