"""Events the transit capability publishes (after commit, through the outbox; bridged to MQTT as
``{prefix}/events/transit/...``)."""

from __future__ import annotations

from dataclasses import dataclass

from smartcustoms.platform.events import Event


@dataclass(frozen=True)
class TransitOpened(Event):
    topic = "transit/opened"
    transit_id: str
    plate: str
    lock_id: str
    declaration_no: str | None


@dataclass(frozen=True)
class TransitStateChanged(Event):
    topic = "transit/state_changed"
    transit_id: str
    state: str
    at: str
    reasons: list[str]


@dataclass(frozen=True)
class AlarmRaised(Event):
    topic = "transit/alarm_raised"
    alarm_id: str
    transit_id: str
    kind: str
    severity: str
    raised_at: str


@dataclass(frozen=True)
class AlarmHandled(Event):
    topic = "transit/alarm_handled"
    alarm_id: str
    status: str
    by: str
