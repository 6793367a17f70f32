"""Declaration entities and the clearance lifecycle (pure: no I/O, no clock, no randomness).

Lifecycle (WCO Time Release Study stages, one timestamp column per stage)::

    declared ─accept→ accepted ─screen→ screened ─release→ released ─close→ closed
                                           │                  ↑   ↑
                                           └order_inspection→ inspection_ordered
                                                              │
                                              record_inspection
                                                              ↓
                                                          inspected ─release→ released
                                                              └─hold→ held ─release→ released (after resolution)
                                                                        └─close→ closed

Every state is reached at most once (the graph has no cycles), so each stage has one timestamp. A transition
never moves time backwards. A declaration screened into the inspection channel cannot be released before it
has been inspected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from smartcustoms.kernel.errors import IllegalTransition

TOLERANCE = Decimal("0.01")
"""|quantity × unit price − total| must not exceed this (one fen / cent)."""
MAX_ITEMS = 50
"""A declaration carries 1 to 50 goods items (商品项)."""

TERMS: Mapping[str, str] = {"1": "CIF", "2": "C&F", "3": "FOB", "4": "C&I", "5": "市场价", "6": "垫仓", "7": "EXW"}
"""成交方式 codes of the customs form."""


class Direction(StrEnum):
    IMPORT = "I"
    EXPORT = "E"


class Status(StrEnum):
    DECLARED = "declared"  # 申报
    ACCEPTED = "accepted"  # 接受申报
    SCREENED = "screened"  # 风险甄别
    INSPECTION_ORDERED = "inspection_ordered"  # 布控查验
    INSPECTED = "inspected"  # 查验完毕
    RELEASED = "released"  # 放行
    HELD = "held"  # 扣留
    CLOSED = "closed"  # 结关


STAGES: tuple[Status, ...] = tuple(Status)
"""Stages in lifecycle order; each has a timestamp column ``<stage>_at``."""
STAMP_FIELDS: dict[Status, str] = {stage: f"{stage.value}_at" for stage in STAGES}


class Action(StrEnum):
    ACCEPT = "accept"
    SCREEN = "screen"
    ORDER_INSPECTION = "order_inspection"
    RECORD_INSPECTION = "record_inspection"
    RELEASE = "release"
    HOLD = "hold"
    CLOSE = "close"


class Channel(StrEnum):
    RELEASE = "release"  # 直接放行
    INSPECTION = "inspection"  # 查验


class InspectionResult(StrEnum):
    CONFORM = "conform"  # 查验正常
    ANOMALY = "anomaly"  # 查验异常


TRANSITIONS: Mapping[Action, Mapping[Status, Status]] = {
    Action.ACCEPT: {Status.DECLARED: Status.ACCEPTED},
    Action.SCREEN: {Status.ACCEPTED: Status.SCREENED},
    Action.ORDER_INSPECTION: {Status.SCREENED: Status.INSPECTION_ORDERED},
    Action.RECORD_INSPECTION: {Status.INSPECTION_ORDERED: Status.INSPECTED},
    Action.RELEASE: {Status.SCREENED: Status.RELEASED, Status.INSPECTED: Status.RELEASED,
                     Status.HELD: Status.RELEASED},
    Action.HOLD: {Status.INSPECTED: Status.HELD},
    Action.CLOSE: {Status.RELEASED: Status.CLOSED, Status.HELD: Status.CLOSED},
}

OFFICER_ACTIONS: Mapping[Action, frozenset[str]] = {
    Action.ORDER_INSPECTION: frozenset({"inspector", "section_chief"}),
    Action.RECORD_INSPECTION: frozenset({"inspector"}),
    Action.RELEASE: frozenset({"inspector", "section_chief"}),
    Action.HOLD: frozenset({"inspector", "section_chief"}),
    Action.CLOSE: frozenset({"section_chief"}),
}
"""Which officer roles may take which manual step. accept and screen are automatic (system only).
Releasing a held declaration needs a section chief (see `may_act`)."""


def may_act(roles: frozenset[str], action: Action, status: Status) -> bool:
    """Role policy for a manual step from `status`."""
    allowed = OFFICER_ACTIONS.get(action, frozenset())
    if action is Action.RELEASE and status is Status.HELD:
        allowed = frozenset({"section_chief"})
    return bool(allowed & roles)


# --- collaborators seen through small protocols ------------------------------------------------------------
class EnterpriseFacts(Protocol):
    """What declarations need to know about an enterprise (the enterprise capability's EnterpriseView)."""

    @property
    def id(self) -> str: ...
    @property
    def name_zh(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def credit_grade(self) -> str: ...


class CodeSets(Protocol):
    """Code tables the form is checked against (the reference capability's ReferenceSets)."""

    @property
    def countries(self) -> frozenset[str]: ...
    @property
    def currencies(self) -> frozenset[str]: ...
    @property
    def units(self) -> frozenset[str]: ...
    @property
    def trade_modes(self) -> frozenset[str]: ...
    @property
    def transport_modes(self) -> frozenset[str]: ...
    @property
    def customs_offices(self) -> frozenset[str]: ...
    @property
    def hs_subheadings(self) -> frozenset[str]: ...


# --- value objects and entities ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Quantity:
    amount: Decimal
    unit: str  # 3-digit customs unit code, e.g. 035 千克, 007 个


@dataclass(frozen=True)
class GoodsItem:
    seq: int
    hs_code: str
    name: str
    spec: str
    quantity: Quantity
    legal_quantity: Quantity
    unit_price: Decimal
    total: Decimal
    currency: str
    origin_country: str
    destination_country: str

    @property
    def chapter(self) -> str:
        return self.hs_code[:2]


def line_total_matches(quantity: Decimal, unit_price: Decimal, total: Decimal) -> bool:
    return abs(quantity * unit_price - total) <= TOLERANCE


@dataclass(frozen=True)
class Reason:
    """Why screening chose a channel: `rule` names the rule, `key` the message, `params` fill it."""

    rule: str
    key: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScreeningResult:
    channel: Channel
    reasons: tuple[Reason, ...] = ()
    pending: bool = False
    """The screener decides later (the risk capability draws a whole batch at once): the declaration stays
    ``accepted`` until the decision is applied through the ``declarations.lifecycle`` port."""


PENDING = ScreeningResult(Channel.RELEASE, (), pending=True)
"""What a deferring screener answers at submission."""


@dataclass(frozen=True)
class Lifecycle:
    status: Status = Status.DECLARED
    declared_at: datetime | None = None
    accepted_at: datetime | None = None
    screened_at: datetime | None = None
    inspection_ordered_at: datetime | None = None
    inspected_at: datetime | None = None
    released_at: datetime | None = None
    held_at: datetime | None = None
    closed_at: datetime | None = None
    channel: Channel | None = None
    reasons: tuple[Reason, ...] = ()
    inspection_result: InspectionResult | None = None

    @classmethod
    def declared(cls, at: datetime) -> Lifecycle:
        return cls(status=Status.DECLARED, declared_at=at)

    def stamp(self, stage: Status) -> datetime | None:
        return getattr(self, STAMP_FIELDS[stage])  # type: ignore[no-any-return]

    def last_stamp(self) -> datetime | None:
        stamps = [s for s in (getattr(self, f) for f in STAMP_FIELDS.values()) if s is not None]
        return max(stamps) if stamps else None

    def stages(self) -> list[tuple[Status, datetime]]:
        """The stages reached, in time order."""
        reached = [(stage, at) for stage in STAGES if (at := self.stamp(stage)) is not None]
        return sorted(reached, key=lambda pair: (pair[1], STAGES.index(pair[0])))


def allowed_actions(status: Status) -> list[Action]:
    return [action for action, edges in TRANSITIONS.items() if status in edges]


def transition(lc: Lifecycle, action: Action, at: datetime, *, screening: ScreeningResult | None = None,
               result: InspectionResult | None = None) -> Lifecycle:
    """Return the lifecycle after `action` at `at`; raise IllegalTransition and change nothing otherwise."""
    target = TRANSITIONS[action].get(lc.status)
    if target is None:
        raise IllegalTransition("declarations.illegal_transition", action=action.value, status=lc.status.value)
    last = lc.last_stamp()
    if last is not None and at < last:
        raise IllegalTransition("declarations.time_backwards", action=action.value, status=lc.status.value)
    changes: dict[str, object] = {"status": target, STAMP_FIELDS[target]: at}
    if action is Action.SCREEN:
        if screening is None:
            raise IllegalTransition("declarations.screening_missing", action=action.value, status=lc.status.value)
        changes["channel"], changes["reasons"] = screening.channel, screening.reasons
    if action is Action.RELEASE and lc.status is Status.SCREENED and lc.channel is Channel.INSPECTION:
        raise IllegalTransition("declarations.inspection_required", action=action.value, status=lc.status.value)
    if action is Action.RECORD_INSPECTION:
        if result is None:
            raise IllegalTransition("declarations.result_missing", action=action.value, status=lc.status.value)
        changes["inspection_result"] = result
    return _evolve(lc, changes)


def _evolve(lc: Lifecycle, changes: Mapping[str, object]) -> Lifecycle:
    """`dataclasses.replace` without its per-call overhead (batches make thousands of these)."""
    new = object.__new__(Lifecycle)
    new.__dict__.update(lc.__dict__)
    new.__dict__.update(changes)
    return new


def after_screening(lc: Lifecycle) -> Action:
    """Screening decides the next automatic step: release at once, or order inspection."""
    return Action.RELEASE if lc.channel is Channel.RELEASE else Action.ORDER_INSPECTION


@dataclass(frozen=True)
class Declaration:
    id: str
    number: str
    direction: Direction
    customs_code: str
    port_code: str
    trader_id: str
    trader_code: str
    trader_name: str
    owner_id: str | None
    owner_code: str | None
    agent_id: str
    agent_code: str
    trade_mode: str
    transport_mode: str
    transport_name: str
    bill_no: str | None
    trade_country: str
    departure_country: str
    destination_country: str
    terms: str
    currency: str
    gross_weight: Decimal
    net_weight: Decimal
    packages: int
    items: tuple[GoodsItem, ...]
    lifecycle: Lifecycle

    @property
    def total_value(self) -> Decimal:
        return sum((item.total for item in self.items), Decimal(0))

    @property
    def chapters(self) -> frozenset[str]:
        return frozenset(item.chapter for item in self.items)

    def parties(self) -> frozenset[str]:
        """Enterprises that may see this declaration: trader, owner and declaring agent."""
        return frozenset(p for p in (self.trader_id, self.owner_id, self.agent_id) if p)
