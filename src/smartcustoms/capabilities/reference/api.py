"""Reference data over HTTP (any logged-in user): code tables and the HS nomenclature."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from smartcustoms.capabilities.reference import queries
from smartcustoms.capabilities.reference.domain import CODE_TABLES
from smartcustoms.kernel.errors import NotFound
from smartcustoms.platform.http import get_runtime, principal
from smartcustoms.platform.identity.model import Principal

router = APIRouter(prefix="/reference", tags=["reference"])


class HsItem(BaseModel):
    code: str
    level: int
    description: str
    parent: str | None
    section: str | None = None


class HsSection(BaseModel):
    code: str
    name: str | None


class HsDetail(BaseModel):
    code: str
    level: int
    description: str
    parent: str | None
    section: HsSection | None
    chain: list[HsItem]
    children: list[HsItem]


@router.get("/hs", response_model=list[HsItem])
def hs_search(request: Request, q: str = Query("", max_length=200), limit: int = Query(20, ge=1, le=200),
              who: Principal = Depends(principal)) -> list[dict[str, Any]]:
    """Search by code prefix or by words of the description; without `q`, the 97 chapters."""
    with get_runtime(request).engine.connect() as conn:
        return queries.search_hs(conn, q, limit) if q.strip() else queries.hs_chapters(conn)


@router.get("/hs/{code}", response_model=HsDetail)
def hs_detail(code: str, request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    with get_runtime(request).engine.connect() as conn:
        entry = queries.hs_entry(conn, code)
    if entry is None:
        raise NotFound("reference.hs_not_found", code=code)
    return entry


@router.get("/{table}")
def code_table(table: str, request: Request, who: Principal = Depends(principal)) -> list[dict[str, Any]]:
    """One code table: countries, currencies, units, trade_modes, transport_modes or customs_offices."""
    if table not in CODE_TABLES:
        raise NotFound("reference.unknown_table", table=table)
    with get_runtime(request).engine.connect() as conn:
        return queries.list_table(conn, table)
