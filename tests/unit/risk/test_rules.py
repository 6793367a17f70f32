"""The rules engine over plain declaration dicts: conditions, effective dates, reasons, history, dry run."""

from __future__ import annotations

from datetime import date

from smartcustoms.capabilities.risk.domain.rules import (
    Context,
    Rule,
    UnitValueHistory,
    check_rule,
    dry_run,
    evaluate,
    hs_in,
)

REASON = {"zh-CN": "美国产苹果 100% 查验", "en": "US apples: inspect 100 %"}
APPLES = Rule.from_definition({"id": "APPLES", "version": 2, "channel": "manual", "reason": REASON,
                               "when": {"item": {"all": [{"hs": ["080810"]}, {"field": "origin", "op": "eq",
                                                                               "value": "US"}]}},
                               "effective_from": "2026-01-01", "effective_to": "2027-01-01"})


def decl(ident: str, hs: str = "0808100000", origin: str = "US", value: float = 1000.0, qty: float = 100.0,
         **kw: object) -> dict[str, object]:
    return {"id": ident, "enterprise_id": "E1", "enterprise_grade": "general", "origin": origin,
            "manifest_flags": [], "consignee": "ACME",
            "items": [{"hs_code": "8471300000", "origin": "CN", "quantity": 1, "value": 500},
                      {"hs_code": hs, "origin": origin, "quantity": qty, "value": value}], **kw}


def test_the_asycuda_apples_criterion_hits_with_its_reason_and_item() -> None:
    hits = evaluate([APPLES], decl("D1"), date(2026, 6, 1))
    assert len(hits) == 1 and hits[0].reason == REASON and hits[0].channel == "manual" and hits[0].items == (1,)
    assert evaluate([APPLES], decl("D2", origin="NZ"), date(2026, 6, 1)) == []
    assert evaluate([APPLES], decl("D3", hs="0809100000"), date(2026, 6, 1)) == []


def test_effective_dates_and_status() -> None:
    assert evaluate([APPLES], decl("D1"), date(2025, 12, 31)) == []
    assert evaluate([APPLES], decl("D1"), date(2027, 1, 1)) == []
    retired = Rule.from_definition({"id": "X", "when": {"field": "origin", "op": "eq", "value": "US"},
                                    "reason": REASON}, active=False)
    assert evaluate([retired], decl("D1"), date(2026, 1, 1)) == []


def test_grade_manifest_flag_watch_list_and_boolean_combinators() -> None:
    rule = Rule.from_definition({"id": "MIX", "reason": REASON, "when": {"any": [
        {"grade": ["dishonest"]},
        {"manifest_flag": "no_manifest"},
        {"all": [{"watch_list": "consignees", "field": "consignee"}, {"not": {"field": "origin", "op": "in",
                                                                              "value": ["JP"]}}]}]}})
    ctx = Context(watch_lists={"consignees": frozenset({"ACME"})})
    on = date(2026, 6, 1)
    assert evaluate([rule], decl("D1", enterprise_grade="dishonest", consignee="X"), on)
    assert evaluate([rule], decl("D2", manifest_flags=["no_manifest"], consignee="X"), on)
    assert evaluate([rule], decl("D3"), on, ctx)
    assert not evaluate([rule], decl("D4", origin="JP"), on, ctx)
    assert not evaluate([rule], decl("D5", consignee="OTHER"), on, ctx)


def test_unit_value_against_the_history_of_the_same_hs_and_origin() -> None:
    history = UnitValueHistory.from_items(
        {"hs_code": "0808100000", "origin": "US", "quantity": 100, "value": 1000 * (1 + (i % 5) / 10)}
        for i in range(50))
    rule = Rule.from_definition({"id": "UNDER", "reason": REASON,
                                 "when": {"item": {"unit_value": {"op": "lt", "z": -3, "min_count": 20}}}})
    ctx = Context(history=history)
    on = date(2026, 6, 1)
    assert evaluate([rule], decl("LOW", value=300.0), on, ctx)
    assert not evaluate([rule], decl("OK", value=1100.0), on, ctx)
    assert not evaluate([rule], decl("NOHIST", origin="NZ", value=1.0), on, ctx)


def test_field_operators() -> None:
    on = date(2026, 6, 1)
    for cond, expected in [({"field": "items.1.value", "op": "gt", "value": 999}, True),
                           ({"field": "items.1.value", "op": "between", "value": [0, 10]}, False),
                           ({"field": "origin", "op": "startswith", "value": ["U"]}, True),
                           ({"field": "missing", "op": "exists", "value": True}, False),
                           ({"field": "origin", "op": "not_in", "value": ["US"]}, False),
                           ({"field": "origin", "op": "ne", "value": "CN"}, True)]:
        rule = Rule.from_definition({"id": "F", "reason": REASON, "when": cond})
        assert bool(evaluate([rule], decl("D"), on)) is expected, cond
    assert hs_in("8703241128", ["8701-8705"]) and not hs_in("8706000000", ["8701-8705"])


def test_check_rule_reports_every_problem_at_once() -> None:
    errors = check_rule({"id": "", "reason": {"zh-CN": "x"}, "channel": "teleport", "score": "2",
                         "effective_from": "someday", "when": {"all": [{"field": "x", "op": "??"}, {"hs": ["01"]}]}})
    fields = {e.field for e in errors}
    assert fields == {"id", "reason", "channel", "score", "effective_from", "when.0.op", "when.1"}
    assert check_rule({"id": "APPLES", "reason": REASON, "channel": "manual",
                       "when": {"item": {"hs": ["080810"]}}}) == []


def test_dry_run_reports_hit_statistics_including_draft_rules() -> None:
    draft = Rule(**{**APPLES.__dict__, "active": False})
    decls = [decl(f"D{i}", origin="US" if i % 4 == 0 else "NZ") for i in range(20)]
    report = dry_run([draft], decls, date(2026, 6, 1))
    assert report.declarations == 20 and report.hit_declarations == 5
    assert report.rules[0].hits == 5 and report.rules[0].rate == 0.25 and report.rules[0].sample[0] == "D0"
