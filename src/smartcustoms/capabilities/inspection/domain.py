"""Pure inspection domain: the task state machine, findings, the anomaly rules that turn discrepancies into
disposals, officer assignment fallback, media type sniffing and KPI arithmetic. No I/O, no clock, no random."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from smartcustoms.kernel.errors import IllegalTransition


class TaskState(StrEnum):
    ORDERED = "ordered"
    ASSIGNED = "assigned"
    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    APPROVED = "approved"
    REJECTED = "rejected"
    CLOSED = "closed"


class TaskAction(StrEnum):
    ASSIGN = "assign"
    CLAIM = "claim"
    START = "start"
    REPORT = "report"
    APPROVE = "approve"
    REJECT = "reject"
    CLOSE = "close"


S, A = TaskState, TaskAction
TRANSITIONS: dict[TaskAction, dict[TaskState, TaskState]] = {
    A.ASSIGN: {S.ORDERED: S.ASSIGNED},
    A.CLAIM: {S.ASSIGNED: S.CLAIMED},
    A.START: {S.CLAIMED: S.IN_PROGRESS},
    A.REPORT: {S.IN_PROGRESS: S.REPORTED},
    A.APPROVE: {S.REPORTED: S.APPROVED},
    A.REJECT: {S.REPORTED: S.REJECTED},
    A.CLOSE: {S.APPROVED: S.CLOSED, S.REJECTED: S.CLOSED},
}
STAMP: dict[TaskState, str] = {s: f"{s.value}_at" for s in TaskState}
OPEN_STATES = frozenset({S.ORDERED, S.ASSIGNED, S.CLAIMED, S.IN_PROGRESS, S.REPORTED})
SETTLED_STATES = frozenset({S.APPROVED, S.REJECTED, S.CLOSED})


class Method(StrEnum):
    MACHINE = "machine"
    MANUAL = "manual"
    BOTH = "both"


@dataclass(frozen=True)
class Stamps:
    """The state and one timestamp per state reached (each state at most once; time never goes backwards)."""

    state: TaskState
    at: Mapping[TaskState, datetime] = field(default_factory=dict)

    def advance(self, action: TaskAction, when: datetime) -> Stamps:
        target = TRANSITIONS[action].get(self.state)
        if target is None:
            raise IllegalTransition("inspection.illegal_transition", action=action.value, state=self.state.value)
        if self.at and when < max(self.at.values()):
            raise IllegalTransition("inspection.time_backwards", action=action.value, state=self.state.value)
        return Stamps(target, {**self.at, target: when})


def path_to(target: TaskState) -> list[TaskAction]:
    """The actions that lead from `ordered` to `target` along the main line (approve for closed)."""
    line = [A.ASSIGN, A.CLAIM, A.START, A.REPORT]
    order = [S.ORDERED, S.ASSIGNED, S.CLAIMED, S.IN_PROGRESS, S.REPORTED]
    if target in order:
        return line[: order.index(target)]
    if target is S.REJECTED:
        return [*line, A.REJECT]
    return [*line, A.APPROVE] + ([A.CLOSE] if target is S.CLOSED else [])


# --- findings and anomaly handling -----------------------------------------------------------------------------
DISCREPANCY_KINDS = ("quantity", "weight", "hs_code", "origin", "brand_ipr", "value", "prohibited", "other")


class Disposal(StrEnum):
    AMEND_DECLARATION = "amend_declaration"
    SUPPLEMENTARY_TAX = "supplementary_tax"
    ANTI_SMUGGLING = "anti_smuggling"
    RETURN_DESTROY = "return_destroy"
    HOLD = "hold"


RELEASABLE = frozenset({Disposal.AMEND_DECLARATION, Disposal.SUPPLEMENTARY_TAX})
"""Disposals after which the goods may be released once approved; the others end in a hold."""


@dataclass(frozen=True)
class Finding:
    item_seq: int
    outcome: str  # conform | discrepancy
    kind: str = ""  # one of DISCREPANCY_KINDS when outcome is discrepancy
    note: str = ""
    recovered_revenue: str = "0"


@dataclass(frozen=True)
class AnomalyRule:
    kind: str
    disposals: tuple[Disposal, ...]
    chief_approval: bool


DEFAULT_RULES: tuple[AnomalyRule, ...] = (
    AnomalyRule("quantity", (Disposal.AMEND_DECLARATION,), False),
    AnomalyRule("weight", (Disposal.AMEND_DECLARATION,), False),
    AnomalyRule("hs_code", (Disposal.AMEND_DECLARATION, Disposal.SUPPLEMENTARY_TAX), True),
    AnomalyRule("origin", (Disposal.AMEND_DECLARATION, Disposal.SUPPLEMENTARY_TAX), True),
    AnomalyRule("value", (Disposal.AMEND_DECLARATION, Disposal.SUPPLEMENTARY_TAX), True),
    AnomalyRule("brand_ipr", (Disposal.HOLD,), True),
    AnomalyRule("prohibited", (Disposal.ANTI_SMUGGLING, Disposal.RETURN_DESTROY), True),
    AnomalyRule("other", (Disposal.HOLD,), True),
)
"""The configured rule set (查验结果异常处置): discrepancy kind → disposals, and whether a section chief approves."""


@dataclass(frozen=True)
class Judgement:
    discrepancy: bool
    disposals: tuple[Disposal, ...]
    chief_approval: bool

    @property
    def releasable(self) -> bool:
        return all(d in RELEASABLE for d in self.disposals)


def judge(findings: Iterable[Finding], rules: Sequence[AnomalyRule] = DEFAULT_RULES) -> Judgement:
    by_kind = {r.kind: r for r in rules}
    disposals: list[Disposal] = []
    approval = False
    bad = [f for f in findings if f.outcome == "discrepancy"]
    for f in bad:
        rule = by_kind.get(f.kind) or by_kind.get("other") or AnomalyRule(f.kind, (Disposal.HOLD,), True)
        approval = approval or rule.chief_approval
        disposals.extend(d for d in rule.disposals if d not in disposals)
    return Judgement(bool(bad), tuple(disposals), approval)


# --- officer assignment fallback -------------------------------------------------------------------------------
def least_loaded(candidates: Iterable[str], loads: Mapping[str, int], exclude: Iterable[str] = ()) -> str | None:
    """Deterministic fallback when no verifiable dispatch is installed: the officer with the fewest open tasks,
    ties broken by the lowest id. Not random, and never presented as random."""
    skip = set(exclude)
    pool = sorted(c for c in set(candidates) if c not in skip)
    if not pool:
        return None
    return min(pool, key=lambda c: (loads.get(c, 0), c))


# --- media -----------------------------------------------------------------------------------------------------
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 50 * 1024 * 1024


def sniff_media(data: bytes) -> str | None:
    """Content type from the first bytes: JPEG, PNG, WebP, MP4 / QuickTime, WebM."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/quicktime" if data[8:10] == b"qt" else "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def media_limit(content_type: str) -> int:
    return MAX_VIDEO_BYTES if content_type.startswith("video/") else MAX_PHOTO_BYTES


# --- KPIs ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Kpis:
    inspections: int
    one_time_release_rate: float | None
    average_duration_minutes: float | None
    recheck_rate: float | None


def kpis(settled: Sequence[tuple[bool, bool]], durations_s: Sequence[float], originals: int,
         rechecks: int) -> Kpis:
    """`settled`: per settled declaration (released without discrepancy, re-inspected); durations: claim → report
    of reported tasks in seconds; originals / rechecks: task counts."""
    one_time = sum(1 for ok, rechecked in settled if ok and not rechecked)
    return Kpis(
        inspections=originals,
        one_time_release_rate=round(one_time / len(settled), 4) if settled else None,
        average_duration_minutes=round(sum(durations_s) / len(durations_s) / 60, 1) if durations_s else None,
        recheck_rate=round(rechecks / originals, 4) if originals else None,
    )
