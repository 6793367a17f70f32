"""Shared set-up for imaging tests: a site, a device and small simulated scans (40 mm per pixel)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smartcustoms.capabilities.imaging.commands import IngestScan, RegisterDevice, RegisterSite
from smartcustoms.capabilities.imaging.services import do_ingest, do_register_device, do_register_site
from smartcustoms.capabilities.imaging.simulator import container_number, demo_scan
from smartcustoms.platform.audit import trail
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.identity.services import principal_for_user

ADMIN = Principal("admin-1", "admin", "admin", frozenset({Role.ADMIN}))
PX = 40.0


def setup_devices(runtime: Any) -> None:
    do_register_site(runtime, ADMIN, RegisterSite("NB-BL", "北仑查验场", "Beilun site", "NBCT", "3104"))
    do_register_device(runtime, ADMIN, RegisterDevice("H986-1", "NB-BL", "H986"))
    do_register_device(runtime, ADMIN, RegisterDevice("H986-OFF", "NB-BL", "H986", status="maintenance"))


def pair(seed: int = 1, goods: str = "textiles") -> tuple[bytes, bytes]:
    return demo_scan(seed, goods, px_mm=PX)


def ingest(runtime: Any, scan_id: str, seed: int = 1, **kw: Any) -> tuple[dict[str, Any], bool]:
    high, low = pair(seed)
    fields: dict[str, Any] = {"device_id": "H986-1", "device_scan_id": scan_id,
                              "container_number": container_number("MSK", 300000 + seed), "scanned_at": None,
                              "high": high, "low": low, "size": "40", "px_mm": PX}
    fields.update(kw)
    return do_ingest(runtime, ADMIN, IngestScan(**fields))


@dataclass
class FakeResult:
    risk: float

    def as_dict(self) -> dict[str, Any]:
        return {"risk": self.risk, "regions": [], "alerts": ["weapon"] if self.risk > 0.8 else []}


class FakeAnalyser:
    """Risk by scan seed order: lets tests check the queue's ordering without training a model."""

    meta = {"version": "imaging-fake"}

    def __init__(self, risks: list[float]) -> None:
        self.risks = list(risks)

    def analyse(self, high: Any, low: Any, px_mm: float, declared: str | None = None,
                reference: Any = None) -> FakeResult:
        return FakeResult(self.risks.pop(0))


def reviewer(runtime: Any, make_user: Any, org_unit: str = "3104") -> Principal:
    """A real image reviewer (a user row), as the assignment looks reviewers up."""
    user = make_user("image_reviewer", org_unit=org_unit)
    with runtime.engine.connect() as conn:
        who = principal_for_user(conn, user.user_id)
    assert who is not None
    return who


def assignment_of(runtime: Any, scan_id: str) -> dict[str, Any]:
    """How the scan's reviewer was chosen, as its ingest audit entry records it."""
    with runtime.engine.connect() as conn:
        entry = [e for e in trail(conn, "imaging_scan", scan_id) if e["action"] == "imaging.scan_ingested"][0]
    return dict(entry["after"]["assignment"])
