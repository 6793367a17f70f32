"""Commands the enterprise capability accepts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RegisterEnterprise:
    uscc: str
    customs_code: str
    name_zh: str
    kind: str
    registered_customs: str
    name_en: str | None = None
    address: str | None = None
    credit_grade: str = "general"
    """Initial grade, in force from `registered_on`."""
    registered_on: date | None = None
    """Date of the customs registration (注册登记日期); default today. Not in the future."""


@dataclass(frozen=True)
class UpdateEnterprise:
    """Change details; a field left None stays as it is. USCC and customs code are the enterprise's identity
    and do not change."""

    enterprise_id: str
    name_zh: str | None = None
    name_en: str | None = None
    kind: str | None = None
    address: str | None = None
    registered_customs: str | None = None


@dataclass(frozen=True)
class ChangeCreditGrade:
    enterprise_id: str
    grade: str
    effective_from: date
    reason: str
