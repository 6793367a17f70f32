"""Test data for declarations: fake code tables and enterprises, and valid submissions to spoil."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from smartcustoms.capabilities.declarations.commands import GoodsLine, SubmitDeclaration
from smartcustoms.kernel.codes import make_declaration_number, uscc_check_character


@dataclass(frozen=True)
class Refs:
    countries: frozenset[str] = frozenset({"CHN", "USA", "DEU", "JPN", "VNM", "KOR"})
    currencies: frozenset[str] = frozenset({"CNY", "USD", "EUR", "JPY"})
    units: frozenset[str] = frozenset({"007", "011", "035", "036", "001"})
    trade_modes: frozenset[str] = frozenset({"0110", "9610", "1210", "9710"})
    transport_modes: frozenset[str] = frozenset({"2", "4", "5"})
    customs_offices: frozenset[str] = frozenset({"3100", "3104", "2200", "2201"})
    hs_subheadings: frozenset[str] = frozenset({"850440", "851712", "940360", "930200", "970110", "610910",
                                                 "847130", "090111"})


@dataclass(frozen=True)
class Ent:
    id: str
    uscc: str
    customs_code: str
    name_zh: str
    name_en: str
    kind: str = "trader"
    credit_grade: str = "general"
    registered_customs: str = "3104"


def uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)


TRADER = Ent("ent-trader", uscc("91330206MA2AAAAA1"), "3104960001", "宁波甬港贸易有限公司", "Ningbo Yonggang Trading")
OTHER = Ent("ent-other", uscc("91310000MA1BBBBB2"), "2200960002", "上海浦江进出口有限公司", "Shanghai Pujiang I/E")
BROKER = Ent("ent-broker", uscc("91330206MA2CCCCC3"), "3104980003", "北仑报关行", "Beilun Customs Brokerage",
             kind="broker", credit_grade="general_certified")
BAD = Ent("ent-bad", uscc("91330206MA2DDDDD4"), "3104960004", "失信贸易公司", "Untrustworthy Trading",
          credit_grade="untrustworthy")
ALL = (TRADER, OTHER, BROKER, BAD)


def by_code(*ents: Ent) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for e in ents or ALL:
        out[e.uscc] = e
        out[e.customs_code] = e
    return out


def line(seq: int = 1, **overrides: Any) -> GoodsLine:
    base = GoodsLine(seq=seq, hs_code="8504401400", name="开关电源", spec="24V 100W", quantity=Decimal("100"),
                     unit="007", legal_quantity=Decimal("100"), legal_unit="007", unit_price=Decimal("12.50"),
                     total=Decimal("1250.00"), currency="USD", origin_country="CHN", destination_country="USA")
    return replace(base, **overrides)


def submission(serial: int = 1, *, items: int = 1, customs: str = "3104", direction: str = "E",
               trader: Ent = TRADER, **overrides: Any) -> SubmitDeclaration:
    base = SubmitDeclaration(
        number=make_declaration_number(customs, 2026, direction, serial), direction=direction,
        customs_code=customs, port_code=customs, trader=trader.uscc, trade_mode="0110", transport_mode="2",
        transport_name="MSC ANNA/612E", trade_country="USA", departure_country="CHN", destination_country="USA",
        terms="3", currency="USD", gross_weight=Decimal("520.5"), net_weight=Decimal("480"), packages=20,
        items=tuple(line(i + 1) for i in range(items)), bill_no=None)
    return replace(base, **overrides)


class FakeDirectory:
    """Stands in for the reference and enterprise capabilities (the ``declarations.directory`` port)."""

    def __init__(self, *ents: Ent, refs: Refs | None = None) -> None:
        self.ents = ents or ALL
        self.refs = refs or Refs()

    def reference_sets(self, conn: Any) -> Refs:
        return self.refs

    def enterprises_by_code(self, conn: Any, codes: Any) -> dict[str, Any]:
        known = by_code(*self.ents)
        return {c: known[c] for c in codes if c in known}

    def enterprise(self, conn: Any, enterprise_id: str) -> Any:
        return next((e for e in self.ents if e.id == enterprise_id), None)


def as_json(cmd: SubmitDeclaration) -> dict[str, Any]:
    """The API body of a submission."""
    from dataclasses import asdict

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return {k: v for k, v in plain(asdict(cmd)).items() if v is not None}
