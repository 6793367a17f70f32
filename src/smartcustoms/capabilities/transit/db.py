"""Transit tables and repository functions.

`transit_positions` holds one row per fix, keyed by (device_id, device_time, seq) — the de-duplication key — and
written in batches with insert-or-ignore (`ON CONFLICT DO NOTHING` on PostgreSQL, `INSERT OR IGNORE` on SQLite),
so a message delivered twice (QoS 1 after a restart, a 0x0704 re-upload) is stored once. On PostgreSQL the table
is declared `PARTITION BY RANGE (device_time)`; the migration creates a default partition and monthly ones
(docs/SCALING.md). Coordinates are WGS-84.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from smartcustoms.capabilities.transit.domain import (
    AlarmDraft,
    Monitor,
    Site,
    Transit,
    TransitState,
    Zone,
)
from smartcustoms.devices.reading import Reading
from smartcustoms.platform.db import JSONType, UTCDateTime, dumps, metadata

transits = Table(
    "transit_transits", metadata,
    Column("id", String(36), primary_key=True),
    Column("declaration_no", String(32), nullable=True, index=True),
    Column("plate", String(16), nullable=False),
    Column("lock_id", String(32), nullable=False, index=True),
    Column("device_id", String(32), nullable=False, index=True),
    Column("containers", JSONType, nullable=False),
    Column("origin", JSONType, nullable=False),
    Column("destination", JSONType, nullable=False),
    Column("route", JSONType, nullable=False),
    Column("buffer_m", Float, nullable=False),
    Column("zones", JSONType, nullable=False),
    Column("time_limit_s", Integer, nullable=False),
    Column("customs_code", String(10), nullable=False, index=True),
    Column("state", String(16), nullable=False, index=True),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("in_transit_at", UTCDateTime(), nullable=True),
    Column("arrived_at", UTCDateTime(), nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("hold_reasons", JSONType, nullable=False),
    Column("monitor", JSONType, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

devices = Table(
    "transit_devices", metadata,
    Column("device_id", String(32), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("plate", String(16), nullable=True),
    Column("terminal_id", String(32), nullable=True),
    Column("auth_code", String(64), nullable=True),
    Column("registered_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=True),
)

positions = Table(
    "transit_positions", metadata,
    Column("device_id", String(32), primary_key=True),
    Column("device_time", UTCDateTime(), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("transit_id", String(36), nullable=True),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("speed_kmh", Float, nullable=True),
    Column("heading", Integer, nullable=True),
    Column("flags", String(400), nullable=False),
    Column("lock_state", String(12), nullable=True),
    Column("battery_pct", Float, nullable=True),
    Column("source", String(8), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    postgresql_partition_by="RANGE (device_time)",
)

alarms = Table(
    "transit_alarms", metadata,
    Column("id", String(36), primary_key=True),
    Column("transit_id", String(36), nullable=False, index=True),
    Column("device_id", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("raised_at", UTCDateTime(), nullable=False),
    Column("stored_at", UTCDateTime(), nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("evidence", JSONType, nullable=False),
    Column("customs_code", String(10), nullable=False),
    Column("assignee", String(64), nullable=True),
    Column("acknowledged_by", String(64), nullable=True),
    Column("acknowledged_at", UTCDateTime(), nullable=True),
    Column("closed_by", String(64), nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("note", Text, nullable=True),
    UniqueConstraint("transit_id", "kind", "raised_at", name="uq_transit_alarms_episode"),
)

trips = Table(
    "transit_trips", metadata,
    Column("id", String(36), primary_key=True),
    Column("transit_id", String(36), nullable=False, index=True),
    Column("device_id", String(32), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=True),
    Column("distance_km", Float, nullable=False),
    Column("positions", Integer, nullable=False),
    Column("open", Boolean, nullable=False),
)
Index("ix_transit_alarms_stored", alarms.c.stored_at)


# --- transits ----------------------------------------------------------------------------------------------
def transit_row(t: Transit) -> dict[str, Any]:
    return {
        "id": t.id, "declaration_no": t.declaration_no, "plate": t.plate, "lock_id": t.lock_id,
        "device_id": t.device_id, "containers": list(t.containers),
        "origin": _site_dict(t.origin), "destination": _site_dict(t.destination),
        "route": [list(p) for p in t.route], "buffer_m": t.buffer_m,
        "zones": [{"name": z.name, "ring": [list(p) for p in z.ring]} for z in t.zones],
        "time_limit_s": t.time_limit_s, "customs_code": t.customs_code, "state": t.state.value,
        "opened_at": t.opened_at, "in_transit_at": t.in_transit_at, "arrived_at": t.arrived_at,
        "closed_at": t.closed_at, "hold_reasons": list(t.hold_reasons),
    }


def _site_dict(s: Site) -> dict[str, Any]:
    return {"code": s.code, "name": s.name, "lon": s.lon, "lat": s.lat, "radius_m": s.radius_m}


def transit_from_row(row: Any) -> Transit:
    m = row._mapping if hasattr(row, "_mapping") else row
    return Transit(
        id=m["id"], plate=m["plate"], lock_id=m["lock_id"], device_id=m["device_id"],
        containers=tuple(m["containers"]), origin=Site(**m["origin"]), destination=Site(**m["destination"]),
        route=tuple((float(p[0]), float(p[1])) for p in m["route"]), buffer_m=float(m["buffer_m"]),
        time_limit_s=int(m["time_limit_s"]),
        zones=tuple(Zone(z["name"], tuple((float(p[0]), float(p[1])) for p in z["ring"])) for z in m["zones"]),
        customs_code=m["customs_code"], opened_at=m["opened_at"], state=TransitState(m["state"]),
        declaration_no=m["declaration_no"], in_transit_at=m["in_transit_at"], arrived_at=m["arrived_at"],
        closed_at=m["closed_at"], hold_reasons=tuple(m["hold_reasons"]),
    )


def insert_transit(conn: Connection, t: Transit, created_by: str, now: datetime) -> None:
    conn.execute(transits.insert().values(**transit_row(t), monitor=Monitor().to_dict(), created_by=created_by,
                                          updated_at=now))
    conn.execute(trips.insert().values(id=t.id, transit_id=t.id, device_id=t.device_id, started_at=t.opened_at,
                                       ended_at=None, distance_km=0.0, positions=0, open=True))


def save_transit(conn: Connection, t: Transit, monitor: Monitor | None, now: datetime) -> None:
    save_transits(conn, [(t, monitor)], now)


_TRANSIT_UPDATE = update(transits).where(transits.c.id == bindparam("b_id")).values(
    state=bindparam("b_state"), in_transit_at=bindparam("b_in_transit_at"), arrived_at=bindparam("b_arrived_at"),
    closed_at=bindparam("b_closed_at"), hold_reasons=bindparam("b_hold_reasons", type_=JSONType),
    updated_at=bindparam("b_updated_at", type_=UTCDateTime()))
_TRANSIT_MONITOR_UPDATE = _TRANSIT_UPDATE.values(monitor=bindparam("b_monitor", type_=JSONType))
_TRIP_UPDATE = update(trips).where(trips.c.transit_id == bindparam("b_id")).values(
    distance_km=bindparam("b_distance"), positions=bindparam("b_positions"),
    ended_at=bindparam("b_ended", type_=UTCDateTime()), open=bindparam("b_open"))
_ENDED = (TransitState.ARRIVED, TransitState.CLOSED, TransitState.HELD)


def save_transits(conn: Connection, items: Sequence[tuple[Transit, Monitor | None]], now: datetime) -> None:
    """Write back state (and monitor, and the trip's figures) for many transits: on PostgreSQL one UPDATE … FROM
    unnest(arrays) per table, elsewhere one executemany each."""
    if conn.dialect.name == "postgresql" and items:
        _save_transits_pg(conn, items, now)
        return
    plain, with_monitor, trip_rows = [], [], []
    for t, monitor in items:
        values = {"b_id": t.id, "b_state": t.state.value, "b_in_transit_at": t.in_transit_at,
                  "b_arrived_at": t.arrived_at, "b_closed_at": t.closed_at, "b_hold_reasons": list(t.hold_reasons),
                  "b_updated_at": now}
        if monitor is None:
            plain.append(values)
            continue
        with_monitor.append({**values, "b_monitor": monitor.to_dict()})
        ended = t.arrived_at if t.state in _ENDED else None
        trip_rows.append({"b_id": t.id, "b_distance": round(monitor.distance_m / 1000, 3),
                          "b_positions": monitor.count, "b_ended": ended, "b_open": ended is None})
    for stmt, params in ((_TRANSIT_UPDATE, plain), (_TRANSIT_MONITOR_UPDATE, with_monitor), (_TRIP_UPDATE, trip_rows)):
        if params:
            conn.execute(stmt, params)


_PG_SAVE_TRANSITS = """
UPDATE transit_transits AS t SET state = v.state, in_transit_at = v.in_transit_at, arrived_at = v.arrived_at,
    closed_at = v.closed_at, hold_reasons = v.hold_reasons, monitor = COALESCE(v.monitor, t.monitor), updated_at = %b
FROM unnest(%b::varchar[], %b::varchar[], %b::timestamptz[], %b::timestamptz[], %b::timestamptz[], %b::jsonb[],
            %b::jsonb[]) AS v(id, state, in_transit_at, arrived_at, closed_at, hold_reasons, monitor)
WHERE t.id = v.id"""
_PG_SAVE_TRIPS = """
UPDATE transit_trips AS p SET distance_km = v.distance_km, positions = v.positions, ended_at = v.ended_at,
    "open" = v.is_open
FROM unnest(%b::varchar[], %b::float8[], %b::int4[], %b::timestamptz[], %b::bool[])
    AS v(transit_id, distance_km, positions, ended_at, is_open)
WHERE p.transit_id = v.transit_id"""


def _save_transits_pg(conn: Connection, items: Sequence[tuple[Transit, Monitor | None]], now: datetime) -> None:
    transit_rows, trip_rows = [], []
    for t, monitor in items:
        transit_rows.append((t.id, t.state.value, t.in_transit_at, t.arrived_at, t.closed_at,
                             dumps(list(t.hold_reasons)), None if monitor is None else dumps(monitor.to_dict())))
        if monitor is not None:
            ended = t.arrived_at if t.state in _ENDED else None
            trip_rows.append((t.id, round(monitor.distance_m / 1000, 3), monitor.count, ended, ended is None))
    transit_cols = [list(column) for column in zip(*transit_rows, strict=True)]  # one array per column
    trip_cols = [list(column) for column in zip(*trip_rows, strict=True)]
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    with dbapi.cursor() as cur:
        # %b, binary parameters: a text-format array escapes every element with a regular expression (the JSON)
        cur.execute(_PG_SAVE_TRANSITS, (now, *transit_cols))
        if trip_cols:
            cur.execute(_PG_SAVE_TRIPS, trip_cols)


def load_for_update(conn: Connection, ids: Sequence[str]) -> list[Any]:
    query = select(transits).where(transits.c.id.in_(list(ids))).order_by(transits.c.id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()  # the JT/T 808 server and the MQTT ingest may touch the same transit
    return list(conn.execute(query))


MUTABLE = ("id", "state", "in_transit_at", "arrived_at", "closed_at", "hold_reasons", "monitor")


def lock_mutable(conn: Connection, ids: Sequence[str]) -> list[Any]:
    """Only what changes (state, monitor), locked for the batch; the static part is cached by the caller."""
    query = select(*(transits.c[c] for c in MUTABLE)).where(transits.c.id.in_(list(ids))).order_by(transits.c.id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return list(conn.execute(query))


def load_transits(conn: Connection, ids: Sequence[str]) -> list[Transit]:
    return [transit_from_row(r) for r in conn.execute(select(transits).where(transits.c.id.in_(list(ids))))]


ACTIVE_STATES = (TransitState.OPENED.value, TransitState.IN_TRANSIT.value, TransitState.ARRIVED.value)


def active_index(conn: Connection) -> dict[str, str]:
    """device id and lock id → transit id, for the transits still being monitored."""
    out: dict[str, str] = {}
    for row in conn.execute(select(transits.c.id, transits.c.device_id, transits.c.lock_id, transits.c.opened_at)
                            .where(transits.c.state.in_(ACTIVE_STATES)).order_by(transits.c.opened_at)):
        out[row.device_id] = row.id
        out[row.lock_id] = row.id
    return out


# --- positions ---------------------------------------------------------------------------------------------
def position_rows(readings: Iterable[Reading], transit_of: dict[str, str], received_at: datetime
                  ) -> list[dict[str, Any]]:
    return [{
        "device_id": r.device_id, "device_time": r.device_time, "seq": r.seq,
        "transit_id": transit_of.get(r.device_id) or (transit_of.get(r.lock_id) if r.lock_id else None),
        "lat": r.lat, "lon": r.lon, "speed_kmh": r.speed_kmh, "heading": r.heading,
        "flags": ",".join(sorted(r.alarms))[:400], "lock_state": r.lock_state.value if r.lock_state else None,
        "battery_pct": r.battery_pct, "source": r.source[:8], "received_at": received_at,
    } for r in readings]


POSITION_PG_TYPES = {"device_id": "varchar", "device_time": "timestamptz", "seq": "int4", "transit_id": "varchar",
                     "lat": "float8", "lon": "float8", "speed_kmh": "float8", "heading": "int4", "flags": "varchar",
                     "lock_state": "varchar", "battery_pct": "float8", "source": "varchar",
                     "received_at": "timestamptz"}
"""The columns a position row is written with, and their PostgreSQL types for the binary COPY."""
POSITION_COLUMNS = tuple(POSITION_PG_TYPES)


class AllKeys:
    """What `insert_positions` returns when every row was new (the usual case): membership is always true, and
    no key has to be read back and converted."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __contains__(self, _key: object) -> bool:
        return True

    def __len__(self) -> int:
        return self.n


NewKeys = set[tuple[str, datetime, int]] | AllKeys


def insert_positions(conn: Connection, rows: list[dict[str, Any]]) -> NewKeys:
    """Insert-or-ignore; returns the keys that were new. PostgreSQL: binary COPY into a session-local staging
    table, then one `INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING` (COPY is ~10× faster than multi-row VALUES
    from Python, domain doc §5; binary COPY another ~4× cheaper than text on the Python side). SQLite: multi-row
    `INSERT OR IGNORE … RETURNING`."""
    if not rows:
        return set()
    if conn.dialect.name == "postgresql":
        return _insert_positions_pg(conn, rows)
    new: set[tuple[str, datetime, int]] = set()
    stmt = sqlite_insert(positions).on_conflict_do_nothing().returning(
        positions.c.device_id, positions.c.device_time, positions.c.seq)
    for i in range(0, len(rows), 500):
        for row in conn.execute(stmt, rows[i:i + 500]):
            new.add((row.device_id, row.device_time, row.seq))
    return new


def _insert_positions_pg(conn: Connection, rows: list[dict[str, Any]]) -> NewKeys:
    from smartcustoms.kernel.timeutil import ensure_utc

    cols = ", ".join(POSITION_COLUMNS)
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    with dbapi.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS transit_positions_in "
                    "(LIKE transit_positions INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        with cur.copy(f"COPY transit_positions_in ({cols}) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(list(POSITION_PG_TYPES.values()))
            write = copy.write_row
            for row in rows:
                write([row[c] for c in POSITION_COLUMNS])
        cur.execute(f"INSERT INTO transit_positions ({cols}) SELECT {cols} FROM transit_positions_in "
                    "ON CONFLICT DO NOTHING RETURNING device_id, device_time, seq")
        if cur.rowcount == len(rows):
            new: NewKeys = AllKeys(len(rows))  # every row went in
        else:
            new = {(d, ensure_utc(t), s) for d, t, s in cur.fetchall()}
        cur.execute("DELETE FROM transit_positions_in")
    return new


def track(conn: Connection, device_ids: Sequence[str], start: datetime, end: datetime | None,
          limit: int = 50_000) -> list[dict[str, Any]]:
    """Positions of the devices in [start, end], in device-time order (the replay query)."""
    query = select(positions).where(positions.c.device_id.in_(list(device_ids)), positions.c.device_time >= start)
    if end is not None:
        query = query.where(positions.c.device_time <= end)
    query = query.order_by(positions.c.device_time, positions.c.seq, positions.c.device_id).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def existing_keys(conn: Connection, keys: Sequence[tuple[str, datetime, int]]) -> set[tuple[str, datetime, int]]:
    if not keys:
        return set()
    query = select(positions.c.device_id, positions.c.device_time, positions.c.seq).where(
        tuple_(positions.c.device_id, positions.c.device_time, positions.c.seq).in_(list(keys)))
    return {(r.device_id, r.device_time, r.seq) for r in conn.execute(query)}


# --- alarms ------------------------------------------------------------------------------------------------
ALARM_NAMESPACE = uuid.UUID("8f2d6a0e-0b7e-4c1e-9a53-7a0c7d1e0808")


def alarm_id(draft: AlarmDraft) -> str:
    """Deterministic: the same episode re-detected after a restart has the same id."""
    return str(uuid.uuid5(ALARM_NAMESPACE, f"{draft.transit_id}|{draft.kind.value}|{draft.raised_at.isoformat()}"))


def insert_alarms(conn: Connection, drafts: Sequence[AlarmDraft], customs_of: dict[str, str], now: datetime
                  ) -> list[dict[str, Any]]:
    """Insert-or-ignore; returns the rows that were new."""
    if not drafts:
        return []
    rows = [{
        "id": alarm_id(a), "transit_id": a.transit_id, "device_id": a.device_id, "kind": a.kind.value,
        "severity": a.severity.value, "status": "open", "raised_at": a.raised_at, "stored_at": now,
        "lat": a.lat, "lon": a.lon, "evidence": a.evidence, "customs_code": customs_of.get(a.transit_id, ""),
    } for a in drafts]
    pg = conn.dialect.name == "postgresql"
    stmt = (pg_insert(alarms) if pg else sqlite_insert(alarms)).on_conflict_do_nothing().returning(alarms.c.id)
    new_ids: set[str] = set()
    for row in rows:  # few alarms per batch; one statement each keeps RETURNING simple on both databases
        new_ids.update(r.id for r in conn.execute(stmt, row))
    return [r for r in rows if r["id"] in new_ids]


# --- devices -----------------------------------------------------------------------------------------------
def upsert_device(conn: Connection, device_id: str, kind: str, now: datetime, **values: Any) -> None:
    existing = conn.execute(select(devices.c.device_id).where(devices.c.device_id == device_id)).first()
    if existing is None:
        conn.execute(devices.insert().values(device_id=device_id, kind=kind, registered_at=now, last_seen_at=now,
                                             **values))
    else:
        conn.execute(update(devices).where(devices.c.device_id == device_id).values(last_seen_at=now, **values))


def device(conn: Connection, device_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(devices).where(devices.c.device_id == device_id)).mappings().first()
    return dict(row) if row else None
