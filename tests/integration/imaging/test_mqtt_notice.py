"""A scanner announces a scan over the real broker (Mosquitto); the ingest handler records the notice; the
device's upload fails once (review centre down), is retried and matches the notice; a repeated upload is
answered with the same scan."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from smartcustoms.capabilities.imaging import db
from smartcustoms.capabilities.imaging.commands import IngestScan
from smartcustoms.capabilities.imaging.mqtt import subscribe, topic_for
from smartcustoms.capabilities.imaging.services import do_ingest, missing_uploads
from smartcustoms.capabilities.imaging.simulator import DeviceUplink, container_number
from smartcustoms.platform.mqtt import MqttConnection
from tests.integration.imaging.helpers import ADMIN, PX, pair, setup_devices


def _wait(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_notice_over_the_broker_then_retried_upload(runtime: Any, mqtt_url: str) -> None:
    setup_devices(runtime)
    listener = MqttConnection(mqtt_url, client_id=f"imaging-test-{uuid.uuid4().hex[:6]}")
    device = MqttConnection(mqtt_url, client_id=f"scanner-{uuid.uuid4().hex[:6]}")
    try:
        subscribe(runtime, listener)
        scan_id = f"S-{uuid.uuid4().hex[:8]}"
        number = container_number("TGH", 412000)
        calls: list[int] = []

        def post(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> int:
            calls.append(1)
            if len(calls) == 1:
                raise ConnectionError("review centre unreachable")
            row, created = do_ingest(runtime, ADMIN, IngestScan(
                device_id=fields["device_id"], device_scan_id=fields["device_scan_id"],
                container_number=fields["container_number"], scanned_at=None, high=files["high"][1],
                low=files["low"][1], size="40", px_mm=PX))
            return 201 if created else 200

        uplink = DeviceUplink(post=post, announce=lambda t, p: device.publish(t, p), sleep=lambda s: None)
        high, low = pair(7)
        uplink.scan("H986-1", scan_id, {"container_number": number, "scanned_at": "2026-11-02T01:00:00+00:00"},
                    high, low)

        def noticed() -> bool:
            with runtime.engine.connect() as conn:
                return db.one(conn, db.imaging_notices, device_id="H986-1", device_scan_id=scan_id) is not None

        assert _wait(noticed), "the notice did not arrive through the broker"
        with runtime.engine.connect() as conn:
            assert [m["device_scan_id"] for m in missing_uploads(conn)] == [scan_id]
        # a malformed notice is ignored, not fatal
        device.publish(topic_for("H986-1"), b"{not json")
        assert uplink.flush() == []
        assert len(calls) == 2 and uplink.results[scan_id] == 201
        with runtime.engine.connect() as conn:
            scan = db.one(conn, db.imaging_scans, device_id="H986-1", device_scan_id=scan_id)
            notice = db.one(conn, db.imaging_notices, device_id="H986-1", device_scan_id=scan_id)
            assert scan is not None and notice is not None and notice["scan_id"] == scan["id"]
            assert missing_uploads(conn) == []
        # the device retries after a lost answer: same scan, nothing new
        uplink.scan("H986-1", scan_id, {"container_number": number}, high, low)
        assert uplink.flush() == [] and uplink.results[scan_id] == 200
        device.publish(topic_for("H986-1"), json.dumps({"scan_id": scan_id}).encode())
    finally:
        listener.close()
        device.close()
