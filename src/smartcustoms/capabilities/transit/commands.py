"""Commands the transit capability accepts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SiteInput:
    code: str
    name: str
    lon: float
    lat: float
    radius_m: float = 800.0


@dataclass(frozen=True)
class ZoneInput:
    name: str
    ring: list[tuple[float, float]]


@dataclass(frozen=True)
class OpenTransit:
    """Register a transit declaration (转关) when its lock is sealed at the origin."""

    plate: str
    lock_id: str
    device_id: str
    containers: list[str]
    origin: SiteInput
    destination: SiteInput
    route: list[tuple[float, float]]
    buffer_m: float
    time_limit_s: int
    customs_code: str
    zones: list[ZoneInput] = field(default_factory=list)
    declaration_no: str | None = None
    sealed_at: str | None = None
    """ISO 8601 time the lock was sealed; default: now."""


@dataclass(frozen=True)
class AcknowledgeAlarm:
    alarm_id: str
    note: str = ""


@dataclass(frozen=True)
class AssignAlarm:
    alarm_id: str
    assignee: str
    note: str = ""


@dataclass(frozen=True)
class CloseAlarm:
    alarm_id: str
    note: str = ""


@dataclass(frozen=True)
class ReleaseTransit:
    """A section chief closes a held transit after looking into it."""

    transit_id: str
    note: str
