"""The alarm stream of the monitoring centre: every alarm stored after the page connected is sent once, in order,
even when one batch stores many alarms at the same instant; officers get only their customs' alarms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from smartcustoms.capabilities.transit import db
from smartcustoms.capabilities.transit.live import frame, stored_after
from smartcustoms.platform.identity.model import Principal, Role

NINGBO = Principal("m-nb", "nb", "nb", frozenset({Role.MONITORING_OFFICER}), customs_scope=frozenset({"3104"}))
SHANGHAI = Principal("m-sh", "sh", "sh", frozenset({Role.MONITORING_OFFICER}), customs_scope=frozenset({"2201"}))


def _alarms(runtime: Any, at: Any, n: int, customs: str, prefix: str) -> None:
    rows = [{"id": f"{prefix}-{i:04d}", "transit_id": f"T-{prefix}", "device_id": "LOCK1", "kind": "low_battery",
             "severity": "low", "status": "open", "raised_at": at + timedelta(seconds=i), "stored_at": at,
             "lat": 29.9, "lon": 121.8, "evidence": {"battery_pct": 6}, "customs_code": customs}
            for i in range(n)]
    with runtime.engine.begin() as conn:
        conn.execute(db.alarms.insert(), rows)


def test_each_new_alarm_is_sent_once_in_scope_and_in_order(runtime: Any) -> None:
    opened = runtime.clock.now()
    _alarms(runtime, opened - timedelta(seconds=5), 3, "3104", "old")  # before the page connected: not pushed
    _alarms(runtime, opened + timedelta(seconds=1), 700, "3104", "nb")  # one batch, one instant
    _alarms(runtime, opened + timedelta(seconds=1), 2, "2201", "sh")
    sent: list[str] = []
    cursor = (opened, "")
    for _ in range(4):
        alarms, cursor = stored_after(runtime, NINGBO, cursor)
        sent += [a["id"] for a in alarms]
    assert sent == [f"nb-{i:04d}" for i in range(700)]
    alarms, _ = stored_after(runtime, SHANGHAI, (opened, ""))
    assert [a["id"] for a in alarms] == ["sh-0000", "sh-0001"]
    text = frame(alarms[0], "关锁低电量")
    assert text.startswith("id: sh-0000\nevent: alarm\ndata: {") and text.endswith("\n\n")
    assert "关锁低电量" in text
