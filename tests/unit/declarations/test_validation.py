"""check_submission reports every bad field at once, with message keys that exist in both languages."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from smartcustoms.capabilities.declarations.domain import Action
from smartcustoms.capabilities.declarations.messages import MESSAGES
from smartcustoms.capabilities.declarations.validation import build_declaration, check_submission
from smartcustoms.kernel.codes import make_declaration_number
from smartcustoms.platform.i18n import PLATFORM_MESSAGES

from .factories import BROKER, OTHER, TRADER, Refs, by_code, line, submission

REFS = Refs()


def fields(cmd: object) -> dict[str, str]:
    return {e.field: e.key for e in check_submission(cmd, REFS, by_code())}  # type: ignore[arg-type]


def test_a_valid_submission_has_no_errors_and_builds() -> None:
    cmd = submission(items=3)
    assert check_submission(cmd, REFS, by_code()) == []
    d = build_declaration(cmd, "x", by_code(), __import__("datetime").datetime(2026, 1, 1, tzinfo=__import__(
        "datetime").UTC))
    assert d.trader_id == TRADER.id and d.agent_id == TRADER.id and d.total_value == Decimal("3750.00")


def test_each_header_field_error() -> None:
    cmd = submission(direction="X", customs_code="9999", port_code="8888",
                     owner="3104969999", agent=OTHER.uscc, trade_mode="0000", transport_mode="Z",
                     trade_country="XXX", departure_country="YYY", destination_country="ZZZ", terms="9",
                     currency="ABC", gross_weight=Decimal("10"), net_weight=Decimal("20"), packages=0)
    got = fields(replace(cmd, trader="91330206MA2AAAAA10"))
    assert got == {
        "direction": "declarations.direction_invalid", "number": "declarations.number_customs_mismatch",
        "customs_code": "declarations.unknown_customs", "port_code": "declarations.unknown_port",
        "trader": "code.uscc.check", "owner": "declarations.enterprise_unknown",
        "trade_mode": "declarations.unknown_trade_mode", "transport_mode": "declarations.unknown_transport_mode",
        "trade_country": "declarations.unknown_country", "departure_country": "declarations.unknown_country",
        "destination_country": "declarations.unknown_country", "terms": "declarations.unknown_terms",
        "currency": "declarations.unknown_currency", "net_weight": "declarations.net_over_gross",
        "packages": "field.not_positive", "items.0.currency": "declarations.item_currency_mismatch"}


def test_number_must_agree_with_direction() -> None:
    cmd = submission(number=make_declaration_number("3104", 2026, "I", 5), direction="E")
    assert fields(cmd) == {"number": "code.declaration_number.direction"}
    assert fields(submission(number="12345")) == {"number": "code.declaration_number.format"}


def test_agent_must_be_a_broker_or_the_trader() -> None:
    assert fields(submission(agent=OTHER.customs_code)) == {"agent": "declarations.agent_not_broker"}
    assert fields(submission(agent=BROKER.customs_code)) == {}
    assert fields(submission(agent=TRADER.customs_code)) == {}


def test_each_item_field_error() -> None:
    bad = line(seq=2, hs_code="9999990000", quantity=Decimal("0"), unit="999", legal_quantity=Decimal("-1"),
               legal_unit="998", unit_price=Decimal("0"), total=Decimal("5"), currency="EUR",
               origin_country="XXX", destination_country="YYY")
    cmd = submission(items=2)
    cmd = replace(cmd, items=(cmd.items[0], bad, line(seq=7, hs_code="85044", total=Decimal("1250.02"))))
    got = fields(cmd)
    assert got == {
        "items.1.hs_code": "declarations.hs_unknown", "items.1.quantity": "field.not_positive",
        "items.1.unit": "declarations.unknown_unit", "items.1.legal_quantity": "field.not_positive",
        "items.1.legal_unit": "declarations.unknown_unit", "items.1.unit_price": "field.not_positive",
        "items.1.total": "declarations.total_mismatch", "items.1.currency": "declarations.item_currency_mismatch",
        "items.1.origin_country": "declarations.unknown_country",
        "items.1.destination_country": "declarations.unknown_country",
        "items.2.seq": "declarations.item_seq", "items.2.hs_code": "declarations.hs_format",
        "items.2.total": "declarations.total_mismatch"}


def test_total_within_one_cent_is_accepted() -> None:
    assert fields(submission(items=1, currency="USD") and replace(
        submission(), items=(line(total=Decimal("1250.01")),))) == {}


def test_item_count_bounds() -> None:
    assert fields(replace(submission(), items=())) == {"items": "declarations.items_count"}
    assert fields(submission(items=51))["items"] == "declarations.items_count"


def test_every_message_key_used_by_the_capability_exists_in_both_languages() -> None:
    src = Path(__file__).resolve().parents[3] / "src" / "smartcustoms" / "capabilities" / "declarations"
    used: set[str] = set()
    for path in [*src.rglob("*.py"), *src.rglob("*.html")]:
        used |= set(re.findall(r"[\"'](declarations\.[a-z_.0-9]+[a-z0-9_])[\"']", path.read_text("utf-8")))
    # port names, table columns and audit action names are not messages
    used -= {"declarations.screener", "declarations.directory", "declarations.id", "declarations.submit",
             "declarations.attachment_added", "declarations.manifest_filed", "declarations.lifecycle",
             "declarations.release_guard", "declarations.release_blocked", "declarations.screening_details"}
    used -= {f"declarations.{action.value}" for action in Action}
    known = set(MESSAGES) | set(PLATFORM_MESSAGES)
    assert not sorted(k for k in used if k not in known)
    for key, texts in MESSAGES.items():
        assert set(texts) == {"zh-CN", "en"} and all(texts.values()), key
