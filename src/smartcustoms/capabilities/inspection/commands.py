"""Commands the inspection capability accepts (plain dataclasses; the API turns JSON into these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class OrderInspection:
    """An inspection order from screening (declarations) or a risk decision."""

    declaration_id: str
    source: str = "screening"
    method: str = "manual"
    unloading_method: str = ""
    target_items: tuple[int, ...] = ()
    instructions: str = ""
    reasons: tuple[str, ...] = ()
    officer_id: str | None = None
    batch_id: str | None = None


@dataclass(frozen=True)
class FindingIn:
    item_seq: int
    outcome: str
    kind: str = ""
    note: str = ""
    recovered_revenue: str = "0"


@dataclass(frozen=True)
class SampleIn:
    label: str
    description: str = ""


@dataclass(frozen=True)
class SubmitReport:
    task_id: str
    idempotency_key: str
    findings: tuple[FindingIn, ...]
    samples: tuple[SampleIn, ...] = ()
    media_ids: tuple[str, ...] = ()
    signature_png: bytes | None = None
    note: str = ""
    location: str = ""


@dataclass(frozen=True)
class UploadMedia:
    task_id: str
    data: bytes
    filename: str = ""
    taken_at: datetime | None = None


@dataclass(frozen=True)
class BookInspection:
    task_id: str
    slot_at: datetime
    area: str
    terminal_enterprise_id: str | None = None
    contact: str = ""


@dataclass(frozen=True)
class TerminalEvent:
    booking_id: str
    kind: str  # container_moved | unpacked
    container_no: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisterVehicle:
    declaration_id: str
    vin: str
    model: str = ""
