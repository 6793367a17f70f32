"""Commands the imaging capability accepts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RegisterSite:
    id: str
    name_zh: str
    name_en: str
    terminal: str
    customs_code: str


@dataclass(frozen=True)
class RegisterDevice:
    id: str
    site_id: str
    model: str
    status: str = "active"


@dataclass(frozen=True)
class IngestScan:
    device_id: str
    device_scan_id: str
    container_number: str
    scanned_at: datetime | None
    high: bytes
    low: bytes
    size: str = "40"
    px_mm: float = 10.0
    declaration_id: str | None = None
    inspection_ref: str | None = None


@dataclass(frozen=True)
class ScanNotice:
    device_id: str
    device_scan_id: str
    container_number: str
    scanned_at: datetime | None
    declaration_id: str | None = None


@dataclass(frozen=True)
class DecideScan:
    scan_id: str
    decision: str
    regions: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class RecordOutcome:
    scan_id: str
    result: str  # conform / anomaly
    found: str = ""


@dataclass(frozen=True)
class FileProduct:
    enterprise_id: str
    name: str
    hs_code: str
    description: str
    high: bytes
    low: bytes
    px_mm: float = 10.0
