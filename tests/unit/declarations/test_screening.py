"""The default screener: deterministic rules, each with its reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from smartcustoms.capabilities.declarations.domain import Channel
from smartcustoms.capabilities.declarations.screening import DefaultScreener
from smartcustoms.capabilities.declarations.validation import build_declaration

from .factories import BAD, BROKER, TRADER, by_code, line, submission

AT = datetime(2026, 11, 2, tzinfo=UTC)


def screen(cmd: object) -> tuple[Channel, list[str]]:
    d = build_declaration(cmd, "d1", by_code(), AT)  # type: ignore[arg-type]
    result = DefaultScreener().screen(d, {e.id: e for e in by_code().values()})
    return result.channel, [r.rule for r in result.reasons]


def test_ordinary_goods_are_released() -> None:
    assert screen(submission(items=3)) == (Channel.RELEASE, [])


def test_untrustworthy_trader_or_agent_goes_to_inspection() -> None:
    assert screen(submission(trader=BAD)) == (Channel.INSPECTION, ["untrustworthy_party"])
    bad_broker = replace(BROKER, credit_grade="untrustworthy")
    d = build_declaration(submission(agent=BROKER.uscc), "d", by_code(), AT)
    result = DefaultScreener().screen(d, {TRADER.id: TRADER, BROKER.id: bad_broker})
    assert result.channel is Channel.INSPECTION and result.reasons[0].params["role"] == "agent"


def test_arms_and_antiques_go_to_inspection() -> None:
    cmd = submission(items=2)
    cmd = replace(cmd, items=(line(1, hs_code="9302000000"), line(2, hs_code="9701100000")))
    assert screen(cmd) == (Channel.INSPECTION, ["sensitive_chapter", "sensitive_chapter"])


def test_absurdly_low_unit_value() -> None:
    cmd = replace(submission(), items=(line(unit_price=Decimal("0.0001"), total=Decimal("0.01")),))
    assert screen(cmd) == (Channel.INSPECTION, ["unit_value_low"])
    by_kg = replace(submission(), items=(line(unit="035", unit_price=Decimal("0.01"), total=Decimal("1.00")),))
    assert screen(by_kg) == (Channel.INSPECTION, ["unit_value_low"])


def test_high_value_from_a_general_credit_trader() -> None:
    big = replace(submission(), items=(line(quantity=Decimal("100000"), unit_price=Decimal("10"),
                                            total=Decimal("1000000")),))
    assert screen(big) == (Channel.INSPECTION, ["high_value_general"])
    certified = replace(TRADER, credit_grade="advanced_certified")
    d = build_declaration(big, "d", by_code(), AT)
    assert DefaultScreener().screen(d, {TRADER.id: certified}).channel is Channel.RELEASE
