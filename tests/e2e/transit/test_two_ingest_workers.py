"""Two ingest workers on the real Mosquitto, each with its own share of the locks: every report is stored once,
each lock's reports go through one worker's detectors, none twice, and every trip ends closed."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from smartcustoms.capabilities.transit import db
from smartcustoms.capabilities.transit.ingest import Pipeline
from smartcustoms.capabilities.transit.services import open_transit_as
from smartcustoms.capabilities.transit.simulation import open_command
from smartcustoms.devices.truck_sim import ROUTES, TruckPlan
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.mqtt_subscriber import MqttSubscriber
from smartcustoms.workers.transit_ingest import MqttIngest, owns
from smartcustoms.workers.truck_runner import run_mqtt

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
pytestmark = pytest.mark.mqtt


def test_two_workers_split_the_locks_and_store_everything_once(runtime: Any, mqtt_url: str) -> None:
    prefix = f"sc-transit-share-{uuid.uuid4().hex[:8]}"
    locks = [f"EL000000{i}" for i in range(30, 50)]
    chosen = [lock for k in range(2) for lock in [x for x in locks if owns(f"{prefix}/devices/elock/{x}", (k, 2))][:2]]
    plans = [TruckPlan(lock, lock, f"浙G{lock[-5:]}", ROUTES["yiwu-ningbo"], START, interval_s=120) for lock in chosen]
    ids = {p.lock_id: open_transit_as(runtime, Actor.system("test"), replace(open_command(p), device_id=p.lock_id))
           for p in plans}
    workers = [MqttIngest(Pipeline(runtime).ingest, mqtt_url, prefix=prefix, client_id=f"{prefix}-{k}",
                          session_expiry_s=60, share=(k, 2)) for k in range(2)]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,), daemon=True) for w in workers]
    for w, t in zip(workers, threads, strict=True):
        w.connect()
        t.start()
    try:
        published = run_mqtt(plans, mqtt_url, prefix)
        assert published.acked == published.sent
        deadline = time.monotonic() + 60
        while any(w.stats.acked < published.sent for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        for w in workers:
            w.close()
            ending = MqttSubscriber(w.client.host, w.client.port, w.client_id, [w.topic], clean_start=True,
                                    session_expiry_s=0)
            ending.connect()
            ending.close()
    assert [w.stats.acked for w in workers] == [published.sent, published.sent]  # each saw every message …
    assert sum(w.stats.decoded for w in workers) == published.sent  # … and ran only its own
    assert all(w.stats.decoded > 0 for w in workers)
    with runtime.engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(db.positions)).scalar_one()
        trips = dict(conn.execute(select(db.trips.c.transit_id, db.trips.c.positions)).all())
        closed = dict(conn.execute(select(db.transits.c.id, db.transits.c.closed_at)).all())
        states = set(conn.execute(select(db.transits.c.state)).scalars())
    assert stored == published.sent
    assert states == {"closed"}
    for p in plans:  # every report up to the arrival went through the detectors, none twice (later ones: stored)
        sent = [datetime.fromisoformat(t) for device, t in published.send_times if device == p.lock_id]
        until_closed = sum(t <= closed[ids[p.lock_id]] for t in sent)
        assert until_closed <= trips[ids[p.lock_id]] <= len(sent)
