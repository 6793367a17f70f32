"""Domain errors carry a message key (translated zh-CN and en by the platform), never prose."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field; `field` is a dotted path such as ``items.0.hs_code``."""

    field: str
    key: str
    params: dict[str, Any] = dc_field(default_factory=dict)


class DomainError(Exception):
    """Base of every business error. `key` names a message in the catalogue."""

    status = 400

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class ValidationFailed(DomainError):
    """Input is invalid; lists every field error at once so a form can show them all."""

    status = 422

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("error.validation_failed", count=len(errors))
        self.errors = errors


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Duplicate or concurrent change: e.g. a declaration number that already exists."""

    status = 409


class IllegalTransition(DomainError):
    """A lifecycle step that the state machine does not allow from the current state."""

    status = 409


class PermissionDenied(DomainError):
    status = 403


class NotAuthenticated(DomainError):
    status = 401


class TooManyRequests(DomainError):
    status = 429


def collect(errors: list[FieldError]) -> None:
    """Raise ValidationFailed if any error was collected."""
    if errors:
        raise ValidationFailed(errors)
