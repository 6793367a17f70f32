"""JSON API under /api/v1/transit. Pydantic edge schemas live here; every endpoint goes through the
services' `access_*` / `_require` rules (enterprise users: 403; another scope's object: 404)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from smartcustoms.capabilities.transit import queries, services
from smartcustoms.capabilities.transit.commands import (
    AcknowledgeAlarm,
    AssignAlarm,
    CloseAlarm,
    OpenTransit,
    ReleaseTransit,
    SiteInput,
    ZoneInput,
)
from smartcustoms.platform.http import get_runtime, principal
from smartcustoms.platform.identity.model import Principal
from smartcustoms.platform.runtime import Runtime

router = APIRouter(prefix="/transit", tags=["transit 在途监管"])


class SiteIn(BaseModel):
    code: str = Field(max_length=32)
    name: str = Field(max_length=100)
    lon: float
    lat: float
    radius_m: float = 800.0


class ZoneIn(BaseModel):
    name: str = Field(max_length=100)
    ring: list[tuple[float, float]] = Field(max_length=1000)


class OpenTransitIn(BaseModel):
    plate: str = Field(max_length=16)
    lock_id: str = Field(max_length=32)
    device_id: str = Field(max_length=32)
    containers: list[str] = Field(max_length=20)
    origin: SiteIn
    destination: SiteIn
    route: list[tuple[float, float]] = Field(description="WGS-84 (lon, lat) vertices", max_length=5000)
    buffer_m: float
    time_limit_s: int
    customs_code: str = Field(max_length=10)
    zones: list[ZoneIn] = Field(default_factory=list, max_length=50)
    declaration_no: str | None = Field(default=None, max_length=32)
    sealed_at: str | None = None


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class AssignIn(BaseModel):
    assignee: str = Field(max_length=64)
    note: str = Field(default="", max_length=2000)


@router.get("/transits")
def list_transits(state: str | None = None, declaration_no: str | None = None,
                  who: Principal = Depends(principal), runtime: Runtime = Depends(get_runtime)) -> list[dict[str, Any]]:
    with runtime.engine.connect() as conn:
        return queries.list_transits(conn, who, state=state, declaration_no=declaration_no)


@router.post("/transits", status_code=201)
def open_transit(body: OpenTransitIn, who: Principal = Depends(principal),
                 runtime: Runtime = Depends(get_runtime)) -> dict[str, str]:
    cmd = OpenTransit(
        plate=body.plate, lock_id=body.lock_id, device_id=body.device_id, containers=body.containers,
        origin=SiteInput(**body.origin.model_dump()), destination=SiteInput(**body.destination.model_dump()),
        route=body.route, buffer_m=body.buffer_m, time_limit_s=body.time_limit_s, customs_code=body.customs_code,
        zones=[ZoneInput(z.name, z.ring) for z in body.zones], declaration_no=body.declaration_no,
        sealed_at=body.sealed_at)
    return {"id": services.do_open_transit(runtime, who, cmd)}


@router.get("/transits/{transit_id}")
def get_transit(transit_id: str, who: Principal = Depends(principal),
                runtime: Runtime = Depends(get_runtime)) -> dict[str, Any]:
    with runtime.engine.connect() as conn:
        return queries.get_transit(conn, who, transit_id)


@router.get("/transits/{transit_id}/positions")
def positions(transit_id: str, start: datetime | None = Query(None, alias="from"),
              end: datetime | None = Query(None, alias="to"), limit: int = Query(50_000, ge=1, le=50_000),
              who: Principal = Depends(principal), runtime: Runtime = Depends(get_runtime)) -> list[dict[str, Any]]:
    with runtime.engine.connect() as conn:
        return queries.positions(conn, who, transit_id, start, end, limit)


@router.get("/transits/{transit_id}/replay")
def replay(transit_id: str, who: Principal = Depends(principal),
           runtime: Runtime = Depends(get_runtime)) -> dict[str, Any]:
    with runtime.engine.connect() as conn:
        return queries.replay(conn, who, transit_id)


@router.get("/transits/{transit_id}/evidence")
def evidence(transit_id: str, format: Literal["json", "csv"] = "json", who: Principal = Depends(principal),
             runtime: Runtime = Depends(get_runtime)) -> Response:
    with runtime.engine.connect() as conn:
        data = queries.replay(conn, who, transit_id)
    name = f"transit-{transit_id}-evidence"
    if format == "csv":
        return PlainTextResponse(queries.evidence_csv(data), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    import json

    return Response(json.dumps(data, ensure_ascii=False, default=str), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}.json"'})


@router.post("/transits/{transit_id}/release")
def release(transit_id: str, body: NoteIn, who: Principal = Depends(principal),
            runtime: Runtime = Depends(get_runtime)) -> dict[str, str]:
    services.do_release_transit(runtime, who, ReleaseTransit(transit_id, body.note))
    return {"status": "closed"}


@router.get("/alarms")
def list_alarms(status: str | None = None, transit_id: str | None = None, who: Principal = Depends(principal),
                runtime: Runtime = Depends(get_runtime)) -> list[dict[str, Any]]:
    with runtime.engine.connect() as conn:
        return queries.list_alarms(conn, who, status=status, transit_id=transit_id)


@router.post("/alarms/{alarm_id}/acknowledge")
def acknowledge(alarm_id: str, body: NoteIn | None = None, who: Principal = Depends(principal),
                runtime: Runtime = Depends(get_runtime)) -> dict[str, str]:
    services.do_acknowledge_alarm(runtime, who, AcknowledgeAlarm(alarm_id, body.note if body else ""))
    return {"status": "acknowledged"}


@router.post("/alarms/{alarm_id}/assign")
def assign(alarm_id: str, body: AssignIn, who: Principal = Depends(principal),
           runtime: Runtime = Depends(get_runtime)) -> dict[str, str]:
    services.do_assign_alarm(runtime, who, AssignAlarm(alarm_id, body.assignee, body.note))
    return {"status": "assigned"}


@router.post("/alarms/{alarm_id}/close")
def close(alarm_id: str, body: NoteIn, who: Principal = Depends(principal),
          runtime: Runtime = Depends(get_runtime)) -> dict[str, str]:
    services.do_close_alarm(runtime, who, CloseAlarm(alarm_id, body.note))
    return {"status": "closed"}


@router.get("/declarations/{declaration_no}/trips")
def trips(declaration_no: str, who: Principal = Depends(principal),
          runtime: Runtime = Depends(get_runtime)) -> list[dict[str, Any]]:
    with runtime.engine.connect() as conn:
        return queries.trips_for_declaration(conn, who, declaration_no)


@router.get("/manifests/{manifest_no}/trips")
def manifest_trips(manifest_no: str, who: Principal = Depends(principal),
                   runtime: Runtime = Depends(get_runtime)) -> dict[str, Any]:
    with runtime.engine.connect() as conn:
        return queries.trips_for_manifest(conn, who, manifest_no)
