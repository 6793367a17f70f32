"""Events the imaging capability publishes (topic ``imaging/<what>``), after commit via the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from smartcustoms.platform.events import Event


@dataclass(frozen=True)
class ScanReceived(Event):
    topic: ClassVar[str] = "imaging/scan_received"
    scan_id: str
    device_id: str
    container_number: str
    declaration_id: str | None
    risk: float | None
    assigned_to: str | None


@dataclass(frozen=True)
class ScanDecided(Event):
    topic: ClassVar[str] = "imaging/scan_decided"
    scan_id: str
    declaration_id: str | None
    decision: str
    reviewer_id: str
    regions: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ManualInspectionRequested(Event):
    """A reviewer found the scan suspect: the inspection capability opens a task with these regions
    (pixel rectangles on the scan; the scan page /imaging/scans/<scan_id> shows them)."""

    topic: ClassVar[str] = "imaging/manual_inspection_requested"
    declaration_id: str | None
    scan_id: str
    reviewer_id: str
    container_number: str = ""
    regions: tuple[dict[str, Any], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ProductFiled(Event):
    topic: ClassVar[str] = "imaging/product_filed"
    filing_id: str
    enterprise_id: str
    hs_code: str
