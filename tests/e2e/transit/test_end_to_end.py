"""End to end with the real Mosquitto and the JT/T 808 TCP server in-process: simulated trucks drive Yiwu →
Ningbo; a detour raises a deviation alarm, a lock opened outside a zone raises a tamper alarm and holds the
transit; replay returns the trip in order. Then the ingest worker is killed (SIGKILL) mid-stream and restarted:
no report is lost or stored twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from smartcustoms.capabilities.transit import db
from smartcustoms.capabilities.transit.ingest import Pipeline
from smartcustoms.capabilities.transit.services import open_transit_as
from smartcustoms.capabilities.transit.simulation import open_command
from smartcustoms.devices.truck_sim import ROUTES, Anomaly, TruckPlan
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.mqtt import parse_url
from smartcustoms.workers.jt808_server import Jt808Server, ServerThread, pipeline_ingest
from smartcustoms.workers.transit_ingest import MqttIngest
from smartcustoms.workers.truck_runner import lock_messages, run_jt808, run_mqtt

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
pytestmark = pytest.mark.mqtt


def _wait(predicate: Any, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _run_async(factory: Any) -> Any:
    """asyncio.run on a fresh thread: Playwright's session fixture may hold the main thread's event loop."""
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(factory())
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(120)
    if "error" in out:
        raise out["error"]
    return out["value"]


def _alarms(runtime: Any, transit_id: str) -> list[str]:
    with runtime.engine.connect() as conn:
        return sorted(r.kind for r in conn.execute(select(db.alarms.c.kind).where(
            db.alarms.c.transit_id == transit_id)))


def test_detour_over_jt808_and_lock_opened_over_mqtt(runtime: Any, mqtt_url: str, client: Any,
                                                     make_user: Any) -> None:
    detour = TruckPlan("13800000011", "EL00000011", "浙G00011", ROUTES["yiwu-ningbo"], START, interval_s=60,
                       anomalies=(Anomaly("detour", at=0.4, duration_s=1800, offset_m=8000),))
    opened = TruckPlan("EL00000012", "EL00000012", "浙G00012", ROUTES["yiwu-ningbo"], START, interval_s=60,
                       anomalies=(Anomaly("lock_open", at=0.5),))
    actor = Actor.system("test")
    detour_id = open_transit_as(runtime, actor, open_command(detour, declaration_no="310020261000000011"))
    opened_id = open_transit_as(runtime, actor, replace(open_command(opened), device_id=opened.lock_id))

    prefix = f"sc-test-{uuid.uuid4().hex[:8]}"
    ingest_fn, register = pipeline_ingest(runtime)
    server = ServerThread(Jt808Server(ingest_fn, secret=b"test-secret", register=register, max_delay_s=0.005)).start()
    worker = MqttIngest(Pipeline(runtime).ingest, mqtt_url, prefix=prefix, client_id=f"{prefix}-ingest",
                        session_expiry_s=60)
    worker.connect()
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        stats = _run_async(lambda: run_jt808([detour], "127.0.0.1", server.port))
        assert stats.nacked == 0 and stats.acked == stats.sent
        published = run_mqtt([opened], mqtt_url, prefix)
        assert published.acked == published.sent
        assert _wait(lambda: worker.stats.received >= published.sent), worker.stats
    finally:
        stop.set()
        thread.join(10)
        worker.close()
        server.stop()

    assert server.server.stats.registered == 1 and server.server.stats.authenticated == 1
    assert _alarms(runtime, detour_id) == ["corridor_deviation"]
    assert _alarms(runtime, opened_id) == ["lock_tamper"]
    with runtime.engine.connect() as conn:
        states = dict(conn.execute(select(db.transits.c.id, db.transits.c.state)).all())
    assert states == {detour_id: "closed", opened_id: "held"}

    officer = make_user("monitoring_officer", org_unit="3100")
    replay = client.get(f"/api/v1/transit/transits/{detour_id}/replay", headers=officer.headers)
    assert replay.status_code == 200
    body = replay.json()
    times = [p["t"] for p in body["positions"]]
    closed_at = datetime.fromisoformat(body["transit"]["closed_at"])
    sent_until_closed = [t for (_d, t) in stats.send_times if datetime.fromisoformat(t) <= closed_at]
    assert len(times) == len(sent_until_closed) and times == sorted(times)  # the trip: sealing to arrival
    assert times[0] == START.isoformat()
    assert [p["seq"] for p in body["positions"]] == sorted(p["seq"] for p in body["positions"])
    assert any(p["in_corridor"] is False for p in body["positions"])
    assert [a["kind"] for a in body["alarms"]] == ["corridor_deviation"]
    trips = client.get("/api/v1/transit/declarations/310020261000000011/trips", headers=officer.headers).json()
    assert [t["id"] for t in trips] == [detour_id]


def test_killing_the_ingest_worker_mid_stream_loses_nothing_and_doubles_nothing(
        runtime: Any, mqtt_url: str, tmp_path: Path) -> None:
    plan = TruckPlan("EL00000021", "EL00000021", "浙G00021", ROUTES["yiwu-ningbo"], START, interval_s=45)
    tid = open_transit_as(runtime, Actor.system("test"), replace(open_command(plan), device_id=plan.lock_id))
    messages = lock_messages(plan)
    total = len(messages)
    assert 150 < total < 900  # under Mosquitto's default max_queued_messages (1000) for the offline session
    prefix = f"sc-test-{uuid.uuid4().hex[:8]}"
    client_id = f"{prefix}-ingest"
    env = {**os.environ, "SMARTCUSTOMS_ENV": "test", "SMARTCUSTOMS_DATABASE_URL": runtime.settings.database_url,
           "SMARTCUSTOMS_MQTT_URL": mqtt_url, "SMARTCUSTOMS_MQTT_TOPIC_PREFIX": prefix,
           "SMARTCUSTOMS_DATA_DIR": str(tmp_path)}
    cmd = [str(Path(sys.executable).parent / "smartcustoms"), "transit", "ingest", "--client-id", client_id,
           "--batch", "25"]

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if b"subscribed" in line:
                threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep draining
                return proc
            if not line and proc.poll() is not None:
                break
        proc.kill()
        raise AssertionError("ingest worker did not subscribe")

    def stored() -> int:
        with runtime.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(db.positions)).scalar_one())

    from paho.mqtt import client as mqtt

    from smartcustoms.devices import elock

    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    pub.max_inflight_messages_set(100)
    host, port = parse_url(mqtt_url)
    pub.connect(host, port)
    pub.loop_start()
    proc = start()
    try:
        topic = elock.topic_for(prefix, plan.lock_id)
        half = total // 2
        for _event, payload, _r in messages[:half]:
            pub.publish(topic, payload, qos=1)
            time.sleep(0.002)
        assert _wait(lambda: stored() >= 40, 30)
        proc.send_signal(signal.SIGKILL)  # mid-stream: some messages received, some committed, some acked
        proc.wait(10)
        for _event, payload, _r in messages[half:]:
            pub.publish(topic, payload, qos=1).wait_for_publish(10)
        assert stored() < total
        proc = start()
        assert _wait(lambda: stored() == total, 60), f"{stored()} of {total}"
        time.sleep(0.5)
    finally:
        proc.kill()
        proc.wait(10)
        pub.loop_stop()
        pub.disconnect()
        # end the persistent session so the broker forgets it
        cleanup = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        cleanup.connect(host, port, clean_start=True)
        cleanup.disconnect()
    with runtime.engine.connect() as conn:
        trip = conn.execute(select(db.trips).where(db.trips.c.transit_id == tid)).mappings().one()
        state = conn.execute(select(db.transits.c.state).where(db.transits.c.id == tid)).scalar_one()
    assert stored() == total
    assert trip["positions"] == total  # each report went through the detectors exactly once
    assert state == "closed"
