"""The monitoring centre in Chromium: the offline map shows the demo trucks coloured by state, an officer
acknowledges an alarm through HTMX, and replay moves the truck along its trip with the time slider."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_monitoring_officer_acknowledges_and_replays(live_server: Any, desktop: Any) -> None:
    base, _runtime = live_server
    login(desktop, base, "monitor.sun", "demo-pass-2026")
    desktop.goto(f"{base}/transit")
    assert desktop.locator("[data-testid=transit-map] circle.truck").count() == 4
    feed = desktop.locator("[data-testid=alarm-feed]")
    tamper = feed.locator("[data-kind=lock_tamper]")
    assert tamper.count() == 1
    tamper.locator("button", has_text="确认").click()
    desktop.wait_for_selector("[data-kind=lock_tamper] >> text=已确认")

    desktop.goto(f"{base}/transit/investigate?declaration_no=310420260000100002")
    desktop.click("[data-testid=trips] >> text=轨迹回放")
    first = desktop.inner_text("[data-testid=replay-time]")
    cursor_before = desktop.get_attribute("#cursor", "cx")
    desktop.fill("[data-testid=replay-slider]", "100")
    assert desktop.inner_text("[data-testid=replay-time]") != first
    assert desktop.get_attribute("#cursor", "cx") != cursor_before
    assert desktop.locator("[data-testid=replay-timeline] .mark").count() >= 1


def test_auditor_sees_the_centre_read_only(live_server: Any, desktop: Any) -> None:
    base, _runtime = live_server
    login(desktop, base, "auditor.qian", "demo-pass-2026")
    desktop.goto(f"{base}/transit")
    assert desktop.locator("[data-testid=alarm-feed] [data-alarm]").count() >= 1
    assert desktop.locator("[data-testid=alarm-feed] button").count() == 0


def test_a_new_alarm_is_pushed_to_the_open_centre(live_server: Any, desktop: Any) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from smartcustoms.capabilities.transit import db
    from smartcustoms.capabilities.transit.ingest import Pipeline
    from smartcustoms.devices.reading import LockState, Reading

    base, runtime = live_server
    login(desktop, base, "monitor.sun", "demo-pass-2026")
    desktop.goto(f"{base}/transit")
    banner = desktop.locator("[data-testid=alarm-push]")
    assert banner.is_hidden()
    with runtime.engine.connect() as conn:
        transit = conn.execute(select(db.transits).where(db.transits.c.state == "in_transit")
                               .order_by(db.transits.c.plate)).mappings().first()
    last = transit["monitor"]  # where the truck was last seen
    # a lock on the road reports its battery nearly empty
    result = Pipeline(runtime).ingest([Reading(
        device_id=transit["lock_id"], device_time=datetime.now(UTC), seq=900_001, lat=last["last_lat"],
        lon=last["last_lon"], speed_kmh=60.0, lock_id=transit["lock_id"], lock_state=LockState.SEALED,
        battery_pct=6.0, source="mqtt")])
    [alarm] = [a for a in result.alarms if a["kind"] == "low_battery"]
    desktop.wait_for_selector(f"[data-testid=alarm-push][data-alarm='{alarm['id']}']", timeout=5000)
    assert "关锁低电量" in banner.inner_text() and transit["lock_id"] in banner.inner_text()
    desktop.wait_for_selector(f"[data-testid=alarm-feed] [data-alarm='{alarm['id']}']", timeout=5000)
