"""The device side and the demo: `DeviceUplink` is what a scanner runs — announce the scan over MQTT, then upload
it over HTTP, retrying with exponential backoff until the review centre answers (a duplicate upload is answered
with the existing scan, so retrying is always safe); `load_demo` registers the Ningbo sites and devices and
ingests a few simulated scans."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from smartcustoms.devices.scanner.codec import encode_gray16
from smartcustoms.devices.scanner.simulator import ObjectSpec, ScanSpec, render
from smartcustoms.kernel.codes import iso6346_check_digit


@dataclass
class PendingScan:
    device_id: str
    scan_id: str
    fields: dict[str, str]
    high: bytes
    low: bytes


@dataclass
class DeviceUplink:
    """`post(fields, files) -> status code` uploads; `announce(topic, payload)` publishes the MQTT notice.
    Either may raise (network down): the scan stays pending and is retried."""

    post: Callable[[dict[str, str], dict[str, tuple[str, bytes, str]]], int]
    announce: Callable[[str, bytes], None] | None = None
    sleep: Callable[[float], None] = time.sleep
    max_attempts: int = 8
    first_delay_s: float = 0.5
    pending: list[PendingScan] = field(default_factory=list)
    results: dict[str, int] = field(default_factory=dict)

    def scan(self, device_id: str, scan_id: str, fields: dict[str, str], high: bytes, low: bytes) -> None:
        self.pending.append(PendingScan(device_id, scan_id, {**fields, "device_id": device_id,
                                                             "device_scan_id": scan_id}, high, low))
        if self.announce is not None:
            body = {"scan_id": scan_id, "container_number": fields.get("container_number", ""),
                    "scanned_at": fields.get("scanned_at"), "declaration_id": fields.get("declaration_id")}
            with contextlib.suppress(Exception):  # the notice is advisory; the upload below is what counts
                self.announce(f"smartcustoms/devices/scanner/{device_id}/scan", json.dumps(body).encode())

    def flush(self) -> list[str]:
        """Upload everything pending; returns the scan ids still pending after the retries."""
        left = []
        for item in self.pending:
            delay = self.first_delay_s
            for attempt in range(self.max_attempts):
                try:
                    status = self.post(item.fields, {"high": ("high.png", item.high, "image/png"),
                                                      "low": ("low.png", item.low, "image/png")})
                except Exception:
                    status = 0
                if status in (200, 201) or 400 <= status < 500:
                    self.results[item.scan_id] = status  # done (4xx: refused for good, reported)
                    break
                if attempt + 1 < self.max_attempts:
                    self.sleep(delay)
                    delay = min(30.0, delay * 2)
            else:
                left.append(item)
        self.pending = left
        return [p.scan_id for p in left]


def container_number(owner: str, serial: int) -> str:
    """A valid ISO 6346 number (serials whose check digit would be 10 are skipped)."""
    while True:
        first10 = f"{owner}U{serial:06d}"
        digit = iso6346_check_digit(first10)
        if digit < 10:
            return first10 + str(digit)
        serial += 1


def demo_scan(seed: int, goods: str = "textiles", objects: tuple[ObjectSpec, ...] = (), size: str = "40",
              px_mm: float = 20.0) -> tuple[bytes, bytes]:
    img = render(ScanSpec(size=size, goods=((goods, 1.0),), objects=objects, px_mm=px_mm, seed=seed))
    return encode_gray16(img.high), encode_gray16(img.low)


SITES: tuple[tuple[str, str, str, str, str], ...] = (
    ("NB-BL", "北仑港区查验场", "Beilun inspection site", "Beilun terminal (NBCT)", "3104"),
    ("NB-MS", "梅山港区查验场", "Meishan inspection site", "Meishan terminal (MSICT)", "3104"),
)
DEVICES: tuple[tuple[str, str, str], ...] = (("H986-BL1", "NB-BL", "H986 MB1215HL"),
                                             ("H986-BL2", "NB-BL", "H986 MB1215HL"),
                                             ("H986-MS1", "NB-MS", "H986 fixed"))


def load_demo(runtime: Any) -> None:
    """Sites, devices and a handful of scans for `make run` and the browser tests (idempotent)."""
    from smartcustoms.capabilities.imaging import db
    from smartcustoms.capabilities.imaging.commands import IngestScan, RegisterDevice, RegisterSite
    from smartcustoms.capabilities.imaging.services import do_ingest, do_register_device, do_register_site
    from smartcustoms.platform.identity.model import Principal, Role

    admin = Principal("system-demo", "demo", "demo", frozenset({Role.ADMIN}))
    with runtime.engine.connect() as conn:
        have_site = {r["id"] for r in conn.execute(db.imaging_sites.select()).mappings()}
    for sid, zh, en, terminal, code in SITES:
        if sid not in have_site:
            do_register_site(runtime, admin, RegisterSite(sid, zh, en, terminal, code))
    for did, site, model in DEVICES:
        do_register_device(runtime, admin, RegisterDevice(did, site, model))
    plans = (("textiles", (ObjectSpec("high_z", 0.4, 0.6),)), ("machinery", ()), ("paper", ()),
             ("plastic_waste", ()), ("electronics", (ObjectSpec("drugs", 0.7, 0.8),)))
    for i, (goods, objects) in enumerate(plans):
        high, low = demo_scan(100 + i, goods, objects)
        do_ingest(runtime, admin, IngestScan(device_id=DEVICES[i % 3][0], device_scan_id=f"demo-{i}",
                                             container_number=container_number("MSK", 100200 + i), scanned_at=None,
                                             high=high, low=low, size="40", px_mm=20.0))
