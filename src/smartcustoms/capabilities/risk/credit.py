"""Credit feedback (信用反馈): inspection findings update the enterprise's credit history, and every outcome is
kept as a training label for the risk model (``risk_findings``: discrepancy = illicit, recovered revenue).

Rule (documented in docs/risk-console.md; risk.md §1.4–1.5 asks that problem enterprises become high-risk
targets): a finding is *serious* when it is a discrepancy and either its kind is ``smuggling`` or the revenue it
recovered is at least CNY 50,000. Within the last 365 days,

- 1 serious finding: a certified enterprise (advanced or general certified) is downgraded to general credit;
- 3 serious findings: any enterprise becomes untrustworthy (失信) — its goods are then inspected at the
  dishonest floor rate (≥ 80 %).

Only downgrades are automatic; upgrades and credit repair stay with the credit officers. The change goes through
the enterprise capability's port ``enterprise.grading`` (its `do_change_grade`: audited, dated, with a reason).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from smartcustoms.capabilities.enterprise.commands import ChangeCreditGrade
from smartcustoms.capabilities.enterprise.queries import customs_today, get_enterprise
from smartcustoms.capabilities.risk import db
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.outbox import Message
from smartcustoms.platform.runtime import Runtime

log = logging.getLogger(__name__)

GRADING = "enterprise.grading"
SERIOUS_KINDS = frozenset({"smuggling"})
SERIOUS_REVENUE = Decimal("50000")
WINDOW_DAYS = 365
TO_GENERAL, TO_UNTRUSTWORTHY = 1, 3
CERTIFIED = frozenset({"advanced_certified", "general_certified"})
CREDIT = Principal(user_id="system:risk-credit", username="risk-credit-feedback",
                   display_name="查验结果信用反馈 credit feedback", roles=frozenset({Role.RISK_OFFICER}))


def is_serious(outcome: str, kind: str, revenue: Decimal) -> bool:
    return outcome == "discrepancy" and (kind in SERIOUS_KINDS or revenue >= SERIOUS_REVENUE)


def new_grade(current: str, serious_in_window: int) -> str | None:
    """The grade the rule asks for, or None when the grade stays."""
    if serious_in_window >= TO_UNTRUSTWORTHY and current != "untrustworthy":
        return "untrustworthy"
    if serious_in_window >= TO_GENERAL and current in CERTIFIED:
        return "general"
    return None


def record_finding(runtime: Runtime, message: Message) -> str | None:
    """Handler of ``inspection/finding_recorded``; returns the new grade when the enterprise was downgraded."""
    p = message.payload
    try:
        revenue = Decimal(str(p.get("recovered_revenue") or "0"))
    except InvalidOperation:
        revenue = Decimal(0)
    outcome, kind = str(p.get("outcome", "")), str(p.get("kind") or "")
    serious = is_serious(outcome, kind, revenue)
    with runtime.uow(Actor(id=CREDIT.user_id, name=CREDIT.username)) as uow:
        t = db.risk_findings
        if uow.conn.execute(select(t.c.event_id).where(t.c.event_id == message.event_id)).first():
            return None  # redelivered
        uow.conn.execute(t.insert().values(
            event_id=message.event_id, declaration_id=str(p["declaration_id"]), enterprise_id=str(p["enterprise_id"]),
            outcome=outcome, kind=kind, recovered_revenue=str(revenue), serious=serious, recorded_at=uow.now))
        uow.record("risk.finding_recorded", "enterprise", str(p["enterprise_id"]),
                   after={"declaration_id": p["declaration_id"], "outcome": outcome, "kind": kind,
                          "recovered_revenue": str(revenue), "serious": serious}, tenant=str(p["enterprise_id"]))
        count = uow.conn.execute(select(func.count()).select_from(t).where(
            t.c.enterprise_id == str(p["enterprise_id"]), t.c.serious.is_(True),
            t.c.recorded_at >= uow.now - timedelta(days=WINDOW_DAYS))).scalar_one()
        uow.commit()
    if not serious:
        return None
    today = customs_today(runtime.clock)
    with runtime.engine.connect() as conn:
        enterprise = get_enterprise(conn, str(p["enterprise_id"]), on=today)
    if enterprise is None:
        return None
    grade = new_grade(enterprise.credit_grade, int(count))
    if grade is None:
        return None
    grading = runtime.ports.get(GRADING)
    if grading is None:
        log.warning("no %s port installed: enterprise %s not downgraded to %s", GRADING, enterprise.id, grade)
        return None
    reason = (f"查验发现 {count} 次严重问题（{WINDOW_DAYS} 天内），自动降级 / {count} serious inspection findings "
              f"within {WINDOW_DAYS} days: automatic downgrade (risk credit feedback)")
    grading.change_grade(CREDIT, ChangeCreditGrade(enterprise.id, grade, today, reason))
    return grade


def training_labels(conn: Any) -> list[dict[str, Any]]:
    """The stored outcomes as training labels (declaration id, illicit 0/1, recovered revenue)."""
    t = db.risk_findings
    return [{"declaration_id": r.declaration_id, "illicit": int(r.outcome == "discrepancy"),
             "revenue": r.recovered_revenue} for r in conn.execute(select(t).order_by(t.c.recorded_at))]
