"""Pure enterprise rules: current grade by date, registration checks, message catalogue, demo codes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from smartcustoms.capabilities.enterprise.demo import ENTERPRISES, make_uscc, org_code
from smartcustoms.capabilities.enterprise.domain import (
    CreditGrade,
    EnterpriseKind,
    GradeRecord,
    current_grade,
    registration_errors,
)
from smartcustoms.capabilities.enterprise.messages import MESSAGES
from smartcustoms.kernel.codes import validate_customs_code, validate_uscc

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _rec(grade: CreditGrade, day: date, at: datetime = T0) -> GradeRecord:
    return GradeRecord(grade, day, "r", "tester", at)


def test_current_grade_is_the_latest_in_force_on_the_day() -> None:
    history = [_rec(CreditGrade.GENERAL, date(2020, 1, 1)), _rec(CreditGrade.ADVANCED_CERTIFIED, date(2024, 1, 1)),
               _rec(CreditGrade.UNTRUSTWORTHY, date(2026, 12, 1))]
    assert current_grade(history, date(2019, 12, 31)) == CreditGrade.GENERAL  # none yet: the default
    assert current_grade(history, date(2023, 12, 31)) == CreditGrade.GENERAL
    assert current_grade(history, date(2024, 1, 1)) == CreditGrade.ADVANCED_CERTIFIED
    assert current_grade(history, date(2026, 11, 30)) == CreditGrade.ADVANCED_CERTIFIED
    assert current_grade(history, date(2026, 12, 1)) == CreditGrade.UNTRUSTWORTHY


def test_two_grades_on_the_same_day_the_later_recorded_wins() -> None:
    later = datetime(2026, 2, 1, tzinfo=UTC)
    history = [_rec(CreditGrade.GENERAL_CERTIFIED, date(2025, 1, 1), later),
               _rec(CreditGrade.GENERAL, date(2025, 1, 1))]
    assert current_grade(history, date(2025, 6, 1)) == CreditGrade.GENERAL_CERTIFIED


def test_registration_reports_every_bad_field_at_once() -> None:
    errors = registration_errors(uscc="91330206MA2AB", customs_code="31X", name_zh=" ", name_en="x" * 201,
                                 kind="pirate", address=None, registered_customs="9999", credit_grade="AAA",
                                 known_customs=frozenset({"3104"}))
    assert {(e.field, e.key) for e in errors} == {
        ("uscc", "code.uscc.length"), ("customs_code", "code.customs_code.length"), ("name_zh", "field.required"),
        ("name_en", "field.too_long"), ("kind", "enterprise.unknown_kind"),
        ("registered_customs", "field.unknown_code"), ("credit_grade", "enterprise.unknown_grade")}


def test_a_wrong_uscc_check_character_is_reported() -> None:
    good = make_uscc("330206", "71234561")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    errors = registration_errors(uscc=bad, customs_code="3104961001", name_zh="甲", name_en=None, kind="trader",
                                 address=None, registered_customs="3104", credit_grade="general",
                                 known_customs=frozenset({"3104"}))
    assert [(e.field, e.key) for e in errors] == [("uscc", "code.uscc.check")]


def test_every_message_has_both_languages_and_every_used_key_exists() -> None:
    assert all(set(texts) == {"zh-CN", "en"} and all(texts.values()) for texts in MESSAGES.values())
    root = Path(__file__).resolve().parents[3] / "src" / "smartcustoms" / "capabilities" / "enterprise"
    used: set[str] = set()
    for path in [*root.rglob("*.py"), *root.rglob("*.html")]:
        if path.name != "messages.py":
            used |= set(re.findall(r"[\"'](enterprise\.[a-z_]+(?:\.[a-z_]+)?)[\"']", path.read_text("utf-8")))
    used |= {f"enterprise.grade.{g}" for g in CreditGrade} | {f"enterprise.kind.{k}" for k in EnterpriseKind}
    used -= {"enterprise.registered", "enterprise.updated", "enterprise.credit_grade_changed"}  # audit actions
    used -= {"enterprise.grading"}  # port name
    assert sorted(used - set(MESSAGES)) == []


def test_demo_codes_are_valid_and_unique() -> None:
    # GB 11714: 1·3 + 2·7 + 3·9 + 4·10 + 5·5 + 6·8 + 7·4 + 8·2 = 201; 201 mod 11 = 3; 11 − 3 = 8
    assert org_code("12345678") == "123456788"
    usccs = [validate_uscc(make_uscc(e[1], e[2])) for e in ENTERPRISES]
    codes = [validate_customs_code(e[3]) for e in ENTERPRISES]
    assert len(set(usccs)) == len(set(codes)) == len(ENTERPRISES) == 12
    assert all(code.startswith(e[5]) for code, e in zip(codes, ENTERPRISES, strict=True))
    grades = [g[-1][0] if g else "general" for g in (e[10] for e in ENTERPRISES)]
    assert grades.count("untrustworthy") == 1 and grades.count("advanced_certified") >= 3
    assert sum(e[4] == "broker" for e in ENTERPRISES) == 3
