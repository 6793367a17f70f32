"""The default screener (风险甄别): a small deterministic rule set. Any rule that fires sends the declaration to
the inspection channel; with none, it is released at once. Random selection (双随机) is not done here: it
belongs to the risk capability with verifiable randomness, which replaces this screener through the
``declarations.screener`` port."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from smartcustoms.capabilities.declarations.domain import (
    Channel,
    Declaration,
    EnterpriseFacts,
    Reason,
    ScreeningResult,
)

SENSITIVE_CHAPTERS: Mapping[str, str] = {"93": "arms", "97": "art_antiques"}
"""Chapter 93 arms and ammunition; chapter 97 works of art, collectors' pieces and antiques."""

INDICATIVE_CNY_RATES: Mapping[str, Decimal] = {
    "CNY": Decimal(1), "USD": Decimal("7.1"), "EUR": Decimal("7.7"), "GBP": Decimal("9.0"), "JPY": Decimal("0.047"),
    "HKD": Decimal("0.91"), "KRW": Decimal("0.0052"), "AUD": Decimal("4.7"), "CAD": Decimal("5.2"),
    "SGD": Decimal("5.3"), "CHF": Decimal("8.1"),
}
"""Rough rates used only to compare values with thresholds (not for duty: tariff uses the official rates)."""

WEIGHT_UNITS = frozenset({"035", "036"})  # 千克, 克


@dataclass(frozen=True)
class ScreeningRules:
    min_unit_price_cny: Decimal = Decimal("0.01")
    """A unit price (in CNY) below this is absurd for any unit."""
    min_price_per_kg_cny: Decimal = Decimal("0.10")
    """Goods declared by weight: below this per kilogram is absurd."""
    general_grade_value_cny: Decimal = Decimal("5000000")
    """A general-credit (一般信用) trader declaring more than this goes to inspection."""
    sensitive_chapters: Mapping[str, str] = field(default_factory=lambda: dict(SENSITIVE_CHAPTERS))


class DefaultScreener:
    def __init__(self, rules: ScreeningRules | None = None) -> None:
        self.rules = rules or ScreeningRules()

    def screen(self, declaration: Declaration, enterprises: Mapping[str, EnterpriseFacts]) -> ScreeningResult:
        rules = self.rules
        reasons: list[Reason] = []
        trader = enterprises.get(declaration.trader_id)
        seen: set[str] = set()
        for role, ent_id in (("trader", declaration.trader_id), ("agent", declaration.agent_id),
                             ("owner", declaration.owner_id)):
            if not ent_id or ent_id in seen:
                continue
            seen.add(ent_id)
            ent = enterprises.get(ent_id)
            if ent is not None and ent.credit_grade == "untrustworthy":
                reasons.append(Reason("untrustworthy_party", "declarations.reason.untrustworthy",
                                      {"role": role, "name": ent.name_zh}))
        for chapter in sorted(declaration.chapters):
            if chapter in rules.sensitive_chapters:
                reasons.append(Reason("sensitive_chapter", f"declarations.reason.chapter_{chapter}",
                                      {"chapter": chapter}))
        rate = INDICATIVE_CNY_RATES.get(declaration.currency)
        if rate is not None:
            for item in declaration.items:
                price = item.unit_price * rate
                floor = rules.min_price_per_kg_cny if item.quantity.unit in WEIGHT_UNITS else rules.min_unit_price_cny
                if item.quantity.unit == "036":  # grams: compare per kilogram
                    price *= 1000
                if price < floor:
                    reasons.append(Reason("unit_value_low", "declarations.reason.unit_value_low",
                                          {"seq": str(item.seq), "price": str(item.unit_price),
                                           "currency": declaration.currency}))
            total_cny = declaration.total_value * rate
            if (trader is not None and trader.credit_grade == "general"
                    and total_cny > rules.general_grade_value_cny):
                reasons.append(Reason("high_value_general", "declarations.reason.high_value_general",
                                      {"total": f"{total_cny:.0f}"}))
        channel = Channel.INSPECTION if reasons else Channel.RELEASE
        return ScreeningResult(channel, tuple(reasons))
