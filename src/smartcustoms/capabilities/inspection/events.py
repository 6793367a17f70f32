"""Events the inspection capability publishes (topic ``inspection/<what>``), after commit via the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from smartcustoms.platform.events import Event


@dataclass(frozen=True)
class TaskCreated(Event):
    topic: ClassVar[str] = "inspection/task_created"
    task_id: str
    declaration_id: str
    kind: str
    officer_id: str | None
    at: datetime


@dataclass(frozen=True)
class ReportSubmitted(Event):
    """Risk reacts with its re-inspection draw (contract with the risk capability)."""

    topic: ClassVar[str] = "inspection/report_submitted"
    batch_id: str | None
    task_id: str
    declaration_id: str
    inspector_id: str
    at: datetime


@dataclass(frozen=True)
class FindingRecorded(Event):
    """Feeds the enterprise credit history and the risk training labels (contract with risk)."""

    topic: ClassVar[str] = "inspection/finding_recorded"
    declaration_id: str
    enterprise_id: str
    outcome: str  # conform | discrepancy
    kind: str
    recovered_revenue: str


@dataclass(frozen=True)
class InspectionSettled(Event):
    topic: ClassVar[str] = "inspection/settled"
    declaration_id: str
    outcome: str
    disposals: tuple[str, ...]
    at: datetime
