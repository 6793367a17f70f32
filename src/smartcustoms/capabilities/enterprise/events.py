"""Events the enterprise capability publishes (after commit, through the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from smartcustoms.platform.events import Event


@dataclass(frozen=True)
class EnterpriseRegistered(Event):
    topic: ClassVar[str] = "enterprise/registered"
    enterprise_id: str
    uscc: str
    customs_code: str
    kind: str
    registered_customs: str


@dataclass(frozen=True)
class EnterpriseUpdated(Event):
    topic: ClassVar[str] = "enterprise/updated"
    enterprise_id: str
    changed: tuple[str, ...]


@dataclass(frozen=True)
class CreditGradeChanged(Event):
    topic: ClassVar[str] = "enterprise/credit_grade_changed"
    enterprise_id: str
    uscc: str
    customs_code: str
    grade: str
    previous_grade: str
    effective_from: str
    """ISO date from which the new grade is in force."""
