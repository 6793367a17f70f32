"""Enterprise rules: kinds, credit grades and their dated history, registration checks. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from smartcustoms.kernel.codes import CodeError, validate_customs_code, validate_uscc
from smartcustoms.kernel.errors import FieldError


class EnterpriseKind(StrEnum):
    TRADER = "trader"  # 进出口货物收发货人
    BROKER = "broker"  # 报关企业
    LOGISTICS = "logistics"  # 物流企业
    ECOMMERCE = "ecommerce"  # 跨境电商企业
    WAREHOUSE = "warehouse"  # 仓储企业


class CreditGrade(StrEnum):
    """The four grades of Order 237 (2018), see shared/domain/risk.md §1.

    The regime is fixed here for now. Orders 251 (2021: AEO / 失信 / the rest) and 282 (2026: five grades,
    adding 严重失信) will need a configurable regime that maps grades per date; until then grades outside
    these four are refused."""

    ADVANCED_CERTIFIED = "advanced_certified"  # 高级认证企业 (AEO)
    GENERAL_CERTIFIED = "general_certified"  # 一般认证企业
    GENERAL = "general"  # 一般信用企业
    UNTRUSTWORTHY = "untrustworthy"  # 失信企业


DEFAULT_GRADE = CreditGrade.GENERAL
"""An enterprise without a grade in force is a general-credit enterprise."""

NAME_MAX, ADDRESS_MAX, REASON_MAX = 200, 300, 500


@dataclass(frozen=True)
class GradeRecord:
    grade: CreditGrade
    effective_from: date
    reason: str
    recorded_by: str
    recorded_at: datetime


def current_grade(history: Iterable[GradeRecord], on: date) -> CreditGrade:
    """The grade in force on `on`: the record with the latest `effective_from` not after `on` (for two records
    on the same day, the later recorded one). No such record: the default grade."""
    in_force = [r for r in history if r.effective_from <= on]
    if not in_force:
        return DEFAULT_GRADE
    return max(in_force, key=lambda r: (r.effective_from, r.recorded_at)).grade


def _text(errors: list[FieldError], field: str, value: str | None, maximum: int, *, required: bool) -> None:
    if value is None or not value.strip():
        if required:
            errors.append(FieldError(field, "field.required"))
        return
    if len(value.strip()) > maximum:
        errors.append(FieldError(field, "field.too_long", {"max": maximum}))


def _code(errors: list[FieldError], field: str, value: str | None, validate: Callable[[str], str]) -> None:
    if value is None or not value.strip():
        errors.append(FieldError(field, "field.required"))
        return
    try:
        validate(value)
    except CodeError as exc:
        errors.append(FieldError(field, exc.key))


def check_kind(errors: list[FieldError], kind: str | None) -> None:
    if not kind:
        errors.append(FieldError("kind", "field.required"))
    elif kind not in set(EnterpriseKind):
        errors.append(FieldError("kind", "enterprise.unknown_kind", {"value": kind}))


def check_customs_office(errors: list[FieldError], field: str, code: str | None, known: frozenset[str]) -> None:
    if not code:
        errors.append(FieldError(field, "field.required"))
    elif code not in known:
        errors.append(FieldError(field, "field.unknown_code", {"value": code}))


def check_grade(errors: list[FieldError], field: str, grade: str | None) -> None:
    if not grade:
        errors.append(FieldError(field, "field.required"))
    elif grade not in set(CreditGrade):
        errors.append(FieldError(field, "enterprise.unknown_grade", {"value": grade}))


def registration_errors(*, uscc: str | None, customs_code: str | None, name_zh: str | None, name_en: str | None,
                        kind: str | None, address: str | None, registered_customs: str | None,
                        credit_grade: str | None, known_customs: frozenset[str]) -> list[FieldError]:
    """Every problem with a registration, all at once."""
    errors: list[FieldError] = []
    _code(errors, "uscc", uscc, validate_uscc)
    _code(errors, "customs_code", customs_code, validate_customs_code)
    _text(errors, "name_zh", name_zh, NAME_MAX, required=True)
    _text(errors, "name_en", name_en, NAME_MAX, required=False)
    check_kind(errors, kind)
    _text(errors, "address", address, ADDRESS_MAX, required=False)
    check_customs_office(errors, "registered_customs", registered_customs, known_customs)
    check_grade(errors, "credit_grade", credit_grade)
    return errors
