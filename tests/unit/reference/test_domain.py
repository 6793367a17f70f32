"""Pure reference rules: reading the HS file, diffing a load, normalising HS codes."""

from __future__ import annotations

from smartcustoms.capabilities.reference.domain import diff_rows, escape_like, hs_digits, parse_hs_rows


def test_hs_rows_drop_the_total_row_and_its_pseudo_parent() -> None:
    rows = parse_hs_rows([
        {"section": "I", "hscode": "01", "description": "Animals; live", "parent": "TOTAL", "level": "2"},
        {"section": "I", "hscode": "0101", "description": "Horses", "parent": "01", "level": "4"},
        {"section": "TOTAL", "hscode": "99", "description": "Not specified", "parent": "TOTAL", "level": "2"},
        {"section": "TOTAL", "hscode": "TOTAL", "description": "Total", "parent": "TOTAL", "level": "5"},
    ])
    assert [(r.code, r.level, r.parent, r.section) for r in rows] == [
        ("01", 2, None, "I"), ("0101", 4, "01", "I"), ("99", 2, None, None)]


def test_diff_rows_inserts_updates_and_leaves_equal_rows_alone() -> None:
    existing = {"USD": {"code": "USD", "name_zh": "美元", "name_en": "US Dollar"},
                "EUR": {"code": "EUR", "name_zh": "欧元", "name_en": "Old"}}
    inserts, updates, unchanged = diff_rows(existing, [
        {"code": "USD", "name_zh": "美元", "name_en": "US Dollar"},
        {"code": "EUR", "name_zh": "欧元", "name_en": "Euro"},
        {"code": "JPY", "name_zh": "日元", "name_en": "Yen"}])
    assert [r["code"] for r in inserts] == ["JPY"]
    assert [r["code"] for r in updates] == ["EUR"]
    assert unchanged == 1


def test_hs_codes_as_typed_resolve_to_six_digits() -> None:
    assert hs_digits("8471.30") == "847130"
    assert hs_digits("8471 30 00 00") == "847130"
    assert hs_digits("84") == "84"
    assert hs_digits("847") is None
    assert hs_digits("abc") is None


def test_like_wildcards_are_escaped() -> None:
    assert escape_like("50%_x") == "50\\%\\_x"
