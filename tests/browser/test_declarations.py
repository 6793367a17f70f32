"""An officer finds declarations waiting for inspection through the filtered list (HTMX), opens one, sees its
timeline and audit trail, and records the inspection; an enterprise user sees only its own declarations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_officer_filters_opens_and_inspects(live_server: Any, desktop: Any) -> None:
    base, _runtime = live_server
    login(desktop, base, "inspector.li", "demo-pass-2026")
    desktop.goto(f"{base}/declarations")
    assert desktop.locator("[data-testid=declaration-row]").count() > 0
    desktop.select_option("select[name=status]", "inspection_ordered")
    desktop.wait_for_url("**status=inspection_ordered**")
    desktop.wait_for_function("""() => [...document.querySelectorAll('[data-testid=declaration-row]')]
        .every(r => r.dataset.status === 'inspection_ordered')""")
    rows = desktop.locator("[data-testid=declaration-row]")
    assert rows.count() > 0
    rows.first.locator("a").click()
    desktop.wait_for_selector("[data-testid=timeline]")
    stages = desktop.locator("[data-testid=timeline-stage]")
    assert stages.last.get_attribute("data-stage") == "inspection_ordered"
    assert desktop.locator("[data-testid=audit-entry]").count() >= 4
    form = desktop.locator("[data-testid=action-record_inspection]")
    form.locator("select[name=result]").select_option("conform")
    form.locator("button[type=submit]").click()
    desktop.wait_for_selector("[data-testid=declaration-status][data-status=inspected]")
    assert desktop.locator("[data-testid=timeline-stage]").last.get_attribute("data-stage") == "inspected"


def test_enterprise_user_sees_only_its_own(live_server: Any, desktop: Any) -> None:
    base, runtime = live_server
    from sqlalchemy import or_, select

    from smartcustoms.capabilities.declarations.db import declarations as t
    from smartcustoms.capabilities.enterprise.queries import find_by_code

    with runtime.engine.connect() as conn:
        own = find_by_code(conn, "3104961001")  # 宁波甬港, the demo user's enterprise
        assert own is not None
        mine = set(conn.execute(select(t.c.id).where(or_(t.c.trader_id == own.id, t.c.owner_id == own.id,
                                                          t.c.agent_id == own.id))).scalars())
    login(desktop, base, "yonggang_user", "demo-pass-2026")
    desktop.goto(f"{base}/declarations")
    shown = {r.get_attribute("data-id") for r in desktop.locator("[data-testid=declaration-row]").all()}
    assert shown and shown <= mine
