"""Events the risk capability publishes (after commit, through the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from smartcustoms.platform.events import Event


@dataclass(frozen=True)
class BatchDrawn(Event):
    topic: ClassVar[str] = "risk/batch_drawn"
    batch_id: str
    site: str
    declarations: int
    selected: int
    assigned: int


@dataclass(frozen=True)
class DeclarationDecided(Event):
    """One per declaration of a drawn batch: the declarations capability moves it to released or
    inspection_ordered from this (see INTEGRATION.md)."""

    topic: ClassVar[str] = "risk/declaration_decided"
    batch_id: str
    declaration_id: str
    selected: bool
    source: str | None
    channel: str
    inspection_method: str
    unloading_method: str
    officer_id: str | None
    score: str
    reasons: tuple[dict[str, Any], ...] = ()
    """The explanation: [{key: "risk.reason.…", params: {…}}, …] (message keys of the risk catalogue)."""


@dataclass(frozen=True)
class RecheckDrawn(Event):
    topic: ClassVar[str] = "risk/recheck_drawn"
    batch_id: str
    task_id: str
    recheck: bool
    recheck_officer: str | None
    chief: bool
    chief_officer: str | None
    declaration_id: str = ""
    """The task's declaration (a task id is its declaration id)."""


@dataclass(frozen=True)
class BatchRevealed(Event):
    topic: ClassVar[str] = "risk/batch_revealed"
    batch_id: str
    server_seed: str
