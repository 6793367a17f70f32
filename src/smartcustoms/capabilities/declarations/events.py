"""Events the declarations capability publishes (topic ``declarations/<what>``), after commit via the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from smartcustoms.kernel.timeutil import ensure_utc
from smartcustoms.platform.events import Event


@dataclass(frozen=True)
class StageReached(Event):
    """Common shape: which declaration, its number and office, the trader, and when."""

    declaration_id: str
    number: str
    customs_code: str
    trader_id: str
    at: datetime

    def payload(self) -> dict[str, Any]:
        """The same JSON shape as Event.payload, built directly (batches emit thousands of these)."""
        body = dict(self.__dict__)
        body["at"] = ensure_utc(self.at).isoformat()
        if "reasons" in body:
            body["reasons"] = list(body["reasons"])
        return body


@dataclass(frozen=True)
class DeclarationSubmitted(StageReached):
    topic: ClassVar[str] = "declarations/submitted"


@dataclass(frozen=True)
class DeclarationAccepted(StageReached):
    topic: ClassVar[str] = "declarations/accepted"


@dataclass(frozen=True)
class DeclarationScreened(StageReached):
    topic: ClassVar[str] = "declarations/screened"
    channel: str = ""
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class InspectionOrdered(StageReached):
    topic: ClassVar[str] = "declarations/inspection_ordered"


@dataclass(frozen=True)
class DeclarationInspected(StageReached):
    topic: ClassVar[str] = "declarations/inspected"
    result: str = ""


@dataclass(frozen=True)
class DeclarationReleased(StageReached):
    topic: ClassVar[str] = "declarations/released"


@dataclass(frozen=True)
class DeclarationHeld(StageReached):
    topic: ClassVar[str] = "declarations/held"


@dataclass(frozen=True)
class DeclarationClosed(StageReached):
    topic: ClassVar[str] = "declarations/closed"


BY_STAGE: dict[str, type[StageReached]] = {
    "declared": DeclarationSubmitted, "accepted": DeclarationAccepted, "screened": DeclarationScreened,
    "inspection_ordered": InspectionOrdered, "inspected": DeclarationInspected, "released": DeclarationReleased,
    "held": DeclarationHeld, "closed": DeclarationClosed,
}
"""The event published when a declaration reaches each stage."""
