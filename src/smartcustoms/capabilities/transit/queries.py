"""Read models of the transit capability: the live picture, alarm feed, replay and evidence. Every function
takes the caller and applies the same role and scope rule as the commands (enterprise users see nothing)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, desc, select

from smartcustoms.capabilities.declarations.queries import declarations_of_manifest, find_manifest
from smartcustoms.capabilities.transit import db
from smartcustoms.capabilities.transit.domain import Monitor, compile_geometry
from smartcustoms.capabilities.transit.services import READERS, access_transit, covers, require_role
from smartcustoms.kernel.errors import NotFound
from smartcustoms.platform.identity.model import Principal


def _scoped(who: Principal, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if covers(who, r["customs_code"])]


def transit_summary(row: dict[str, Any]) -> dict[str, Any]:
    monitor = Monitor.from_dict(row.get("monitor"))
    return {
        "id": row["id"], "declaration_no": row["declaration_no"], "plate": row["plate"], "lock_id": row["lock_id"],
        "device_id": row["device_id"], "containers": row["containers"], "state": row["state"],
        "customs_code": row["customs_code"], "origin": row["origin"], "destination": row["destination"],
        "buffer_m": row["buffer_m"], "time_limit_s": row["time_limit_s"],
        "opened_at": _iso(row["opened_at"]), "in_transit_at": _iso(row["in_transit_at"]),
        "arrived_at": _iso(row["arrived_at"]), "closed_at": _iso(row["closed_at"]),
        "hold_reasons": row["hold_reasons"],
        "last_position": None if monitor.last_lon is None else {
            "lon": monitor.last_lon, "lat": monitor.last_lat, "at": _iso(monitor.last_time)},
        "lock_state": monitor.lock_state, "distance_km": round(monitor.distance_m / 1000, 1),
        "positions": monitor.count,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def list_transits(conn: Connection, who: Principal, *, state: str | None = None,
                  declaration_no: str | None = None, declaration_nos: Sequence[str] = (),
                  limit: int = 500) -> list[dict[str, Any]]:
    """The newest `limit` transits in the reader's scope, newest first; filtered by state, by a declaration number
    or by any of several."""
    require_role(who, READERS)
    query = select(db.transits).order_by(desc(db.transits.c.opened_at), db.transits.c.id).limit(limit)
    if state:
        query = query.where(db.transits.c.state == state)
    if declaration_no:
        query = query.where(db.transits.c.declaration_no == declaration_no)
    if declaration_nos:
        query = query.where(db.transits.c.declaration_no.in_(declaration_nos))
    rows = [dict(r) for r in conn.execute(query).mappings()]
    return [transit_summary(r) for r in _scoped(who, rows)]


def get_transit(conn: Connection, who: Principal, transit_id: str) -> dict[str, Any]:
    access_transit(conn, who, transit_id)
    row = conn.execute(select(db.transits).where(db.transits.c.id == transit_id)).mappings().one()
    out = transit_summary(dict(row))
    out["route"] = row["route"]
    out["zones"] = row["zones"]
    return out


def alarm_view(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in row.items()}


def list_alarms(conn: Connection, who: Principal, *, status: str | None = None, transit_id: str | None = None,
                limit: int = 200) -> list[dict[str, Any]]:
    require_role(who, READERS)
    query = select(db.alarms).order_by(desc(db.alarms.c.raised_at)).limit(limit)
    if status == "active":
        query = query.where(db.alarms.c.status != "closed")
    elif status:
        query = query.where(db.alarms.c.status == status)
    if transit_id:
        query = query.where(db.alarms.c.transit_id == transit_id)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    return [alarm_view(r) for r in _scoped(who, rows)]


def positions(conn: Connection, who: Principal, transit_id: str, start: datetime | None = None,
              end: datetime | None = None, limit: int = 50_000) -> list[dict[str, Any]]:
    transit = access_transit(conn, who, transit_id)
    rows = db.track(conn, sorted({transit.device_id, transit.lock_id}), start or transit.opened_at,
                    end or transit.closed_at, limit)
    geometry = compile_geometry(transit)
    fixes = [r for r in rows if r["lat"] is not None]
    verdict: dict[int, bool] = {}
    if fixes:
        inside = geometry.corridor.contains_lonlat([r["lon"] for r in fixes], [r["lat"] for r in fixes])
        verdict = {id(r): bool(v) for r, v in zip(fixes, inside, strict=True)}
    return [{"device_id": r["device_id"], "t": _iso(r["device_time"]), "seq": r["seq"], "lat": r["lat"],
             "lon": r["lon"], "speed_kmh": r["speed_kmh"], "heading": r["heading"], "lock_state": r["lock_state"],
             "battery_pct": r["battery_pct"], "flags": r["flags"], "source": r["source"],
             "in_corridor": verdict.get(id(r))} for r in rows]


def replay(conn: Connection, who: Principal, transit_id: str) -> dict[str, Any]:
    """The trip in device-time order, with its alarms placed on the same timeline."""
    transit = get_transit(conn, who, transit_id)
    track = positions(conn, who, transit_id)
    trip = conn.execute(select(db.trips).where(db.trips.c.transit_id == transit_id)).mappings().first()
    alarms = sorted(list_alarms(conn, who, transit_id=transit_id, limit=10_000), key=lambda a: a["raised_at"])
    return {"transit": transit, "trip": alarm_view(dict(trip)) if trip else None, "positions": track,
            "alarms": alarms}


def trips_for_declaration(conn: Connection, who: Principal, declaration_no: str) -> list[dict[str, Any]]:
    """Investigation: the trips linked to a declaration number (转关 linked by number; see ports.py)."""
    require_role(who, READERS)
    number = declaration_no.strip()
    return _trips(conn, who, [number]) if number else []


def _trips(conn: Connection, who: Principal, numbers: list[str]) -> list[dict[str, Any]]:
    """The transits linked to any of the declaration numbers, each with its trip (one per transit, same id): two
    queries whatever the count. In the numbers' order, newest transit first within a declaration."""
    if not numbers:
        return []
    order = {n: i for i, n in enumerate(numbers)}
    transits = sorted(list_transits(conn, who, declaration_nos=numbers),
                      key=lambda t: order[t["declaration_no"]])  # stable: newest first within a declaration
    trips = {t["transit_id"]: alarm_view(dict(t)) for t in conn.execute(
        select(db.trips).where(db.trips.c.transit_id.in_([t["id"] for t in transits]))).mappings()}
    return [{**t, "trip": trips.get(t["id"])} for t in transits]


def trips_for_manifest(conn: Connection, who: Principal, manifest_no: str) -> dict[str, Any]:
    """Investigation from a manifest risk hit (舱单布控): the manifest's declarations and the trips linked to each;
    an unknown manifest number answers 404."""
    require_role(who, READERS)
    manifest = find_manifest(conn, manifest_no.strip())
    if manifest is None:
        raise NotFound("transit.manifest_not_found")
    numbers = [d.number for d in declarations_of_manifest(conn, manifest.id)]
    return {"manifest_no": manifest.number, "declarations": numbers, "trips": _trips(conn, who, numbers)}


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection): a text cell starting with = + - @ gets a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, buf: io.StringIO) -> None:
        self._writer = csv.writer(buf)

    def writerow(self, row: list[Any]) -> None:
        self._writer.writerow([_cell(v) for v in row])


def evidence_csv(data: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = _SafeWriter(buf)
    t = data["transit"]
    writer.writerow(["# transit", t["id"], t["plate"], t["lock_id"], t["declaration_no"] or "", t["state"]])
    writer.writerow(["record", "time_utc", "device_id", "seq", "lat_wgs84", "lon_wgs84", "speed_kmh", "lock_state",
                     "in_corridor", "alarm_kind", "severity", "alarm_status"])
    for p in data["positions"]:
        writer.writerow(["position", p["t"], p["device_id"], p["seq"], p["lat"], p["lon"], p["speed_kmh"],
                         p["lock_state"], p["in_corridor"], "", "", ""])
    for a in data["alarms"]:
        writer.writerow(["alarm", a["raised_at"], a["device_id"], "", a["lat"], a["lon"], "", "", "", a["kind"],
                         a["severity"], a["status"]])
    return buf.getvalue()
