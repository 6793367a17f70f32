"""The one reading (读数) every device path produces: a JT/T 808 0x0200 location report and a JSON-over-MQTT
smart-lock message both decode into `Reading`, so the transit pipeline has a single input type.

Coordinates are WGS-84 as the device reports them (never GCJ-02). Times are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class LockState(StrEnum):
    """ISO 18185-2 seal status plus what trackers add (domain doc §2.1)."""

    SEALED = "sealed"  # 施封
    OPENED = "opened"  # 解封 / 开锁
    TAMPERED = "tampered"  # 破坏 / 剪断
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reading:
    device_id: str
    """Terminal phone number (JT/T 808) or lock id (MQTT)."""
    device_time: datetime
    seq: int
    """Message sequence number from the device; with device id and device time it makes the de-duplication key."""
    lat: float | None = None
    lon: float | None = None
    speed_kmh: float | None = None
    heading: int | None = None
    altitude_m: int | None = None
    alarms: frozenset[str] = frozenset()
    """Named device alarm flags (JT/T 808 alarm bits, lock events)."""
    status: frozenset[str] = frozenset()
    """Named device status flags (JT/T 808 status bits)."""
    lock_id: str | None = None
    lock_state: LockState | None = None
    battery_pct: float | None = None
    source: str = "jt808"
    extras: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, datetime, int]:
        """De-duplication key: the same report re-sent (QoS 1 redelivery, 0x0704 blind-area upload) is dropped."""
        return (self.device_id, self.device_time, self.seq)

    @property
    def has_fix(self) -> bool:
        return self.lat is not None and self.lon is not None
