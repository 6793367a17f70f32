"""Device topics: a scanner announces each scan on ``smartcustoms/devices/scanner/<device>/scan`` (QoS 1, JSON
``{"scan_id", "container_number", "scanned_at", "declaration_id"}``) before it uploads the images over HTTP.
`on_scan_notice` records the notice (idempotent), so the review centre sees announced scans whose upload has not
arrived yet. `subscribe` attaches the handler to a connection (the ingest worker: ``smartcustoms imaging
mqtt-ingest``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

from smartcustoms.capabilities.imaging.commands import ScanNotice
from smartcustoms.capabilities.imaging.services import do_notice
from smartcustoms.platform.mqtt import MqttConnection
from smartcustoms.platform.runtime import Runtime

log = logging.getLogger(__name__)
TOPIC = "smartcustoms/devices/scanner/+/scan"


def topic_for(device_id: str) -> str:
    return f"smartcustoms/devices/scanner/{device_id}/scan"


def parse_notice(topic: str, payload: bytes) -> ScanNotice | None:
    parts = topic.split("/")
    if len(parts) != 5 or parts[:3] != ["smartcustoms", "devices", "scanner"] or parts[4] != "scan":
        return None
    try:
        body = json.loads(payload.decode("utf-8"))
        scanned = body.get("scanned_at")
        at = datetime.fromisoformat(scanned) if scanned else None
        if at is not None and at.tzinfo is None:
            return None
        return ScanNotice(device_id=parts[3][:32], device_scan_id=str(body["scan_id"])[:64],
                          container_number=str(body.get("container_number", ""))[:11], scanned_at=at,
                          declaration_id=body.get("declaration_id") or None)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def on_scan_notice(runtime: Runtime) -> Callable[[str, bytes], None]:
    def handle(topic: str, payload: bytes) -> None:
        notice = parse_notice(topic, payload)
        if notice is None:
            log.warning("ignored malformed scanner notice on %s", topic)
            return
        try:
            do_notice(runtime, notice)
        except Exception:
            log.exception("scanner notice on %s failed", topic)

    return handle


def subscribe(runtime: Runtime, connection: MqttConnection) -> None:
    connection.subscribe(TOPIC, on_scan_notice(runtime), qos=1)
