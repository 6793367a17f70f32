"""Pure classification rules: what a correction is and how an officer's decision is named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from smartcustoms.kernel.codes import CodeError, HSCode
from smartcustoms.kernel.errors import FieldError

CONFIRM, CORRECT = "confirm", "correct"
MAX_BATCH = 500
MAX_TEXT = 10_000
"""Longer fields are refused (field error); anything up to this is accepted and truncated by the model."""


@dataclass(frozen=True)
class Correction:
    """An officer's decision on a suggestion: a labelled example for the next training run."""

    id: str
    name: str
    spec: str
    predicted_code: str | None
    confirmed_code: str
    kind: str
    officer_id: str
    officer_name: str
    created_at: datetime
    note: str = ""

    @property
    def text(self) -> str:
        return f"{self.name} {self.spec}".strip()


def decision_kind(predicted: str | None, confirmed: str) -> str:
    """Same 6-digit subheading as suggested → confirmation, otherwise a correction."""
    return CONFIRM if predicted and predicted[:6] == confirmed[:6] else CORRECT


def code_errors(field: str, code: str | None, *, required: bool) -> list[FieldError]:
    if not code:
        return [FieldError(field, "field.required")] if required else []
    try:
        parsed = HSCode.parse(code)
    except CodeError as exc:
        return [FieldError(field, exc.key)]
    if len(parsed.digits) < 6:
        return [FieldError(field, "code.hs.format")]
    return []
