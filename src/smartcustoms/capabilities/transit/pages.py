"""Monitoring centre pages (Jinja2 + HTMX): the live map and alarm feed (HTMX refresh every 3 s, and at once
when `live.py` pushes a new alarm; the outbox also bridges `transit/alarm_raised` to MQTT for other push
clients), alarm handling forms, trajectory replay with a time slider, and investigation by declaration number."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from smartcustoms.capabilities.transit import queries, services
from smartcustoms.capabilities.transit.commands import AcknowledgeAlarm, AssignAlarm, CloseAlarm
from smartcustoms.capabilities.transit.services import HANDLERS, READERS
from smartcustoms.capabilities.transit.svgmap import COASTLINE, ISLANDS, STATE_COLOURS, Viewport
from smartcustoms.devices.truck_sim import ROUTES
from smartcustoms.platform.http import get_runtime, render, require
from smartcustoms.platform.identity.model import Principal
from smartcustoms.platform.runtime import Runtime

router = APIRouter(prefix="/transit", include_in_schema=False)


def _live(runtime: Runtime, who: Principal) -> dict[str, Any]:
    with runtime.engine.connect() as conn:
        transits = queries.list_transits(conn, who, limit=300)
        alarms = queries.list_alarms(conn, who, status="active", limit=50)
        routes = {t["id"]: queries.get_transit(conn, who, t["id"])["route"] for t in transits
                  if t["state"] in ("opened", "in_transit")}
    alarmed = {a["transit_id"] for a in alarms if a["status"] == "open"}
    vp = Viewport()
    corridors = {tuple(map(tuple, route)): vp.path(route) for route in routes.values()}
    trucks = []
    for t in transits:
        pos = t["last_position"] or {"lon": t["origin"]["lon"], "lat": t["origin"]["lat"]}
        x, y = vp.xy(pos["lon"], pos["lat"])
        colour = STATE_COLOURS["alarm"] if t["id"] in alarmed else STATE_COLOURS.get(t["state"], "#444")
        trucks.append({**t, "x": x, "y": y, "colour": colour})
    sites = {}
    for t in transits:
        for site in (t["origin"], t["destination"]):
            sites[site["code"]] = {**site, "xy": vp.xy(site["lon"], site["lat"])}
    return {"vp": vp, "coast": vp.path(COASTLINE), "islands": [vp.path(i) for i in ISLANDS],
            "corridors": list(corridors.values()) or [vp.path(r.vertices) for r in ROUTES.values()],
            "trucks": trucks, "sites": list(sites.values()), "alarms": alarms, "transits": transits,
            "colours": STATE_COLOURS, "can_handle": who.has(*HANDLERS)}


@router.get("")
def centre(request: Request, who: Principal = require(*READERS, page=True),
           runtime: Runtime = Depends(get_runtime)) -> Response:
    return render(request, "transit/centre.html", **_live(runtime, who))


@router.get("/_live")
def live(request: Request, who: Principal = require(*READERS, page=True),
         runtime: Runtime = Depends(get_runtime)) -> Response:
    return render(request, "transit/_live.html", **_live(runtime, who))


def _after_action(request: Request, runtime: Runtime, who: Principal) -> Response:
    if request.headers.get("hx-request"):
        return render(request, "transit/_live.html", **_live(runtime, who))
    return RedirectResponse("/transit", status_code=303)


@router.post("/alarms/{alarm_id}/acknowledge")
def acknowledge(request: Request, alarm_id: str, note: str = Form(""), who: Principal = require(*READERS, page=True),
                runtime: Runtime = Depends(get_runtime)) -> Response:
    services.do_acknowledge_alarm(runtime, who, AcknowledgeAlarm(alarm_id, note))
    return _after_action(request, runtime, who)


@router.post("/alarms/{alarm_id}/assign")
def assign(request: Request, alarm_id: str, assignee: str = Form(""), note: str = Form(""),
           who: Principal = require(*READERS, page=True), runtime: Runtime = Depends(get_runtime)) -> Response:
    services.do_assign_alarm(runtime, who, AssignAlarm(alarm_id, assignee, note))
    return _after_action(request, runtime, who)


@router.post("/alarms/{alarm_id}/close")
def close(request: Request, alarm_id: str, note: str = Form(""), who: Principal = require(*READERS, page=True),
          runtime: Runtime = Depends(get_runtime)) -> Response:
    services.do_close_alarm(runtime, who, CloseAlarm(alarm_id, note))
    return _after_action(request, runtime, who)


@router.get("/replay/{transit_id}")
def replay(request: Request, transit_id: str, who: Principal = require(*READERS, page=True),
           runtime: Runtime = Depends(get_runtime)) -> Response:
    with runtime.engine.connect() as conn:
        data = queries.replay(conn, who, transit_id)
    route = data["transit"]["route"]
    points = [(p["lon"], p["lat"]) for p in data["positions"] if p["lat"] is not None]
    vp = Viewport.around([*route, *points], width=760)
    frames = [{"t": p["t"], "xy": vp.xy(p["lon"], p["lat"]), "speed": p["speed_kmh"], "lock": p["lock_state"],
               "inside": p["in_corridor"]} for p in data["positions"] if p["lat"] is not None]
    times = [f["t"] for f in frames]
    marks = []
    for a in data["alarms"]:
        index = next((i for i, t in enumerate(times) if t >= a["raised_at"]), max(0, len(times) - 1))
        marks.append({**a, "index": index, "pct": round(100 * index / max(1, len(times) - 1), 2)})
    return render(request, "transit/replay.html", data=data, vp=vp, route=vp.path(route), frames=frames,
                  marks=marks, coast=vp.path(COASTLINE),
                  corridor_px=max(1.0, 2 * vp.metres_to_px(data["transit"]["buffer_m"])),
                  sites=[{**s, "xy": vp.xy(s["lon"], s["lat"])} for s in (data["transit"]["origin"],
                                                                           data["transit"]["destination"])])


@router.get("/investigate")
def investigate(request: Request, declaration_no: str = "", manifest_no: str = "",
                who: Principal = require(*READERS, page=True), runtime: Runtime = Depends(get_runtime)) -> Response:
    trips: list[dict[str, Any]] = []
    declarations: list[str] = []
    with runtime.engine.connect() as conn:
        if manifest_no.strip():
            found = queries.trips_for_manifest(conn, who, manifest_no)
            trips, declarations = found["trips"], found["declarations"]
        elif declaration_no.strip():
            trips = queries.trips_for_declaration(conn, who, declaration_no)
    return render(request, "transit/investigate.html", declaration_no=declaration_no, manifest_no=manifest_no,
                  declarations=declarations, trips=trips, searched=bool(declaration_no.strip() or manifest_no.strip()))
