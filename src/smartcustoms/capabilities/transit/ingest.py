"""The ingest application service: device readings in, positions and alarms stored, in batches.

One `Pipeline.ingest(readings)` call is one transaction: positions insert-or-ignore (the keys that were really
new come back), the detectors run on those new readings only, per transit, with the transit row locked
(PostgreSQL `FOR UPDATE`, since the JT/T 808 server and the MQTT ingest may feed the same transit), the monitor
state is saved with the positions, alarms are insert-or-ignore on (transit, kind, raised_at) with a
deterministic id, and each new alarm and state change gets an audit entry and an event. A batch delivered twice
therefore stores nothing twice and raises nothing twice; a batch that fails stores nothing.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from smartcustoms.capabilities.transit import db
from smartcustoms.capabilities.transit.domain import (
    AlarmDraft,
    Geometry,
    Monitor,
    Policy,
    Transit,
    TransitState,
    check_overdue,
    compile_geometry,
    evaluate,
    order_and_dedupe,
)
from smartcustoms.capabilities.transit.events import AlarmRaised, TransitStateChanged
from smartcustoms.devices.reading import Reading
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.runtime import Runtime
from smartcustoms.platform.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    alarms: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[tuple[str, str]] = field(default_factory=list)


class Pipeline:
    """Holds what is safe to cache (compiled corridor geometry, the device → transit index); everything that
    changes is read and written inside each batch's transaction."""

    def __init__(self, runtime: Runtime, policy: Policy | None = None, *, actor: Actor | None = None,
                 index_ttl_s: float = 5.0) -> None:
        self.runtime = runtime
        self.policy = policy or Policy()
        self.actor = actor or Actor.system("transit-ingest")
        self.index_ttl_s = index_ttl_s
        self._geometry: dict[str, Geometry] = {}
        self._static: dict[str, Transit] = {}
        self._index: dict[str, str] = {}
        self._index_at = float("-inf")

    # --- caches ------------------------------------------------------------------------------------------
    def _transit_index(self, conn: Connection, readings: Sequence[Reading]) -> dict[str, str]:
        stale = time.monotonic() - self._index_at > self.index_ttl_s
        unknown = any(r.device_id not in self._index and (r.lock_id is None or r.lock_id not in self._index)
                      for r in readings)
        if stale or (unknown and time.monotonic() - self._index_at > 1.0):
            self._index = db.active_index(conn)
            self._index_at = time.monotonic()
        return self._index

    def warm(self) -> int:
        """Load the active transits and compile their corridors before the first report arrives (a worker
        start-up step: otherwise the first batches pay for it and alarm latency spikes)."""
        with self.runtime.engine.connect() as conn:
            self._index = db.active_index(conn)
            self._index_at = time.monotonic()
            for t in db.load_transits(conn, sorted(set(self._index.values()))):
                self._static[t.id] = t
                self.geometry(t)
        return len(self._static)

    def refresh(self) -> None:
        self._index_at = float("-inf")

    def _current(self, conn: Connection, row: Any) -> Transit:
        """The transit as of `row` (its mutable columns), on top of the cached declaration (route, zones …)."""
        static = self._static.get(row.id)
        if static is None:
            for t in db.load_transits(conn, [row.id]):
                static = self._static[t.id] = t
        assert static is not None
        return replace(static, state=TransitState(row.state), in_transit_at=row.in_transit_at,
                       arrived_at=row.arrived_at, closed_at=row.closed_at, hold_reasons=tuple(row.hold_reasons))

    def geometry(self, transit: Transit) -> Geometry:
        geometry = self._geometry.get(transit.id)
        if geometry is None:
            geometry = self._geometry[transit.id] = compile_geometry(transit)
        return geometry

    # --- the batch ---------------------------------------------------------------------------------------
    def ingest(self, readings: Sequence[Reading]) -> IngestResult:
        result = IngestResult(received=len(readings))
        batch = order_and_dedupe(readings)
        with self.runtime.uow(self.actor) as uow:
            index = self._transit_index(uow.conn, batch)
            rows = db.position_rows(batch, index, uow.now)
            new_keys = db.insert_positions(uow.conn, rows)
            result.stored = len(new_keys)
            result.duplicates = len(readings) - len(new_keys)
            by_transit: dict[str, list[Reading]] = defaultdict(list)
            for r, row in zip(batch, rows, strict=True):
                if row["transit_id"] is not None and r.key in new_keys:
                    by_transit[row["transit_id"]].append(r)
            drafts: list[AlarmDraft] = []
            customs_of: dict[str, str] = {}
            saves: list[tuple[Transit, Monitor | None]] = []
            missing = [tid for tid in by_transit if tid not in self._static]
            if missing:
                self._static.update((t.id, t) for t in db.load_transits(uow.conn, missing))
            for row in db.lock_mutable(uow.conn, sorted(by_transit)) if by_transit else []:
                transit = self._current(uow.conn, row)
                customs_of[transit.id] = transit.customs_code
                monitor = Monitor.from_dict(row.monitor)
                out = evaluate(transit, self.geometry(transit), monitor, by_transit[transit.id], self.policy)
                drafts += out.alarms
                after = out.transit or transit
                saves.append((after, monitor))
                if out.transit is not None:
                    self._record_transitions(uow, transit, after, out.transitions)
                    result.transitions += [(transit.id, s.value) for s, _ in out.transitions]
            db.save_transits(uow.conn, saves, uow.now)
            result.alarms = self._store_alarms(uow, drafts, customs_of)
            uow.commit()
        if result.transitions:
            self.refresh()
        return result

    def sweep(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Raise the alarms that come from silence (signal lost, time limit). Safe to run from several
        processes: alarms are insert-or-ignore on a deterministic key."""
        with self.runtime.uow(self.actor) as uow:
            moment = now or uow.now
            ids = [r.id for r in uow.conn.execute(select(db.transits.c.id).where(
                db.transits.c.state.in_(db.ACTIVE_STATES[:2])))]
            drafts: list[AlarmDraft] = []
            customs_of: dict[str, str] = {}
            for row in db.load_for_update(uow.conn, ids) if ids else []:
                transit = db.transit_from_row(row)
                customs_of[transit.id] = transit.customs_code
                monitor = Monitor.from_dict(row.monitor)
                found = check_overdue(transit, monitor, moment, self.policy)
                if found:
                    drafts += found
                    db.save_transit(uow.conn, transit, monitor, uow.now)
            stored = self._store_alarms(uow, drafts, customs_of)
            uow.commit()
        return stored

    def _record_transitions(self, uow: UnitOfWork, before: Transit, after: Transit,
                            transitions: list[Any]) -> None:
        for state, at in transitions:
            reasons = list(after.hold_reasons) if state.value == "held" else []
            uow.record(f"transit.{state.value}", "transit", after.id, before={"state": before.state.value},
                       after={"state": state.value, "at": at.isoformat(), "reasons": reasons})
            uow.emit(TransitStateChanged(after.id, state.value, at.isoformat(), reasons))

    def _store_alarms(self, uow: UnitOfWork, drafts: list[AlarmDraft], customs_of: dict[str, str]
                      ) -> list[dict[str, Any]]:
        new = db.insert_alarms(uow.conn, drafts, customs_of, uow.now)
        for a in new:
            uow.record("transit.alarm.raise", "transit_alarm", a["id"], tenant=None, after={
                "transit_id": a["transit_id"], "kind": a["kind"], "severity": a["severity"],
                "raised_at": a["raised_at"].isoformat()})
            uow.emit(AlarmRaised(a["id"], a["transit_id"], a["kind"], a["severity"], a["raised_at"].isoformat()))
        return new


def register_device(runtime: Runtime, device_id: str, kind: str, *, plate: str | None = None,
                    terminal_id: str | None = None, auth_code: str | None = None) -> None:
    """A JT/T 808 terminal registered (0x0100): remember it and its auth code, with an audit entry."""
    with runtime.uow(Actor.system("jt808-server")) as uow:
        before = db.device(uow.conn, device_id)
        db.upsert_device(uow.conn, device_id, kind, uow.now, plate=plate, terminal_id=terminal_id,
                         auth_code=auth_code)
        uow.record("transit.device.register", "transit_device", device_id,
                   before=None if before is None else {"plate": before["plate"], "terminal_id": before["terminal_id"]},
                   after={"plate": plate, "terminal_id": terminal_id, "kind": kind})
        uow.commit()
