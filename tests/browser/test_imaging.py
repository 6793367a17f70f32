"""Central image review in the browser: a reviewer opens the next scan, marks a region by dragging on the
canvas, sends the scan to manual inspection; the decision with the region is on the scan's page, the
`imaging/manual_inspection_requested` event carries the region, and an inspector on a phone sees it — on the
scan page and, through the relay, as a marked region on the inspection task the scan was attached to."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _declare_goods_in_the_scanned_container(runtime: Any, scan_id: str) -> None:
    """The demo scans name no declaration: file a manifest bill with the scanned container and an import
    declaration on it (risk screens it later in a batch, so it waits without a task)."""
    import uuid
    from dataclasses import replace
    from datetime import UTC, datetime
    from decimal import Decimal

    from smartcustoms.capabilities.declarations.commands import BillLine, FileManifest
    from smartcustoms.capabilities.declarations.manifests import do_file_manifest
    from smartcustoms.capabilities.declarations.services import do_submit
    from smartcustoms.capabilities.enterprise.queries import find_by_code
    from smartcustoms.capabilities.imaging.db import imaging_scans
    from smartcustoms.platform.identity.model import Principal, Role
    from tests.unit.declarations.factories import line, submission

    with runtime.engine.connect() as conn:
        container = conn.execute(select(imaging_scans.c.container_number)
                                 .where(imaging_scans.c.id == scan_id)).scalar_one()
        trader = find_by_code(conn, "3104961001")
    assert trader is not None
    who = Principal(user_id="browser-test", username="browser-test", display_name="browser test",
                    roles=frozenset({Role.ENTERPRISE_USER}), enterprise_id=trader.id)
    tag = uuid.uuid4().hex[:8].upper()
    do_file_manifest(runtime, who, FileManifest(
        f"MFT-{tag}", "2", "MAERSK DEMO", "001E", "3104", datetime(2026, 11, 1, tzinfo=UTC),
        (BillLine(f"MSKU{tag}", "ACME", trader.name_zh, "textiles", 10, Decimal("8000"), (container,)),)))
    do_submit(runtime, who, replace(submission(770_000 + uuid.uuid4().int % 100_000, items=1, direction="I"),
                                    trader=trader.customs_code, bill_no=f"MSKU{tag}",
                                    items=(line(1, name="棉制针织衫", hs_code="6110200000"),)))


def test_reviewer_marks_a_region_and_sends_to_manual_inspection(live_server: Any, desktop: Any,
                                                                 phone: Any) -> None:
    base, runtime = live_server
    login(desktop, base, "reviewer.chen", "demo-pass-2026")
    desktop.goto(f"{base}/imaging/review")
    assert desktop.locator("[data-testid=queue-row]").count() > 0
    desktop.click("[data-testid=next-scan]")
    desktop.wait_for_url("**/imaging/scans/**")
    scan_id = desktop.url.rsplit("/", 1)[1]
    _declare_goods_in_the_scanned_container(runtime, scan_id)
    canvas = desktop.locator("[data-testid=scan-canvas]")
    desktop.wait_for_function("() => document.getElementById('scan-canvas').height > 0")
    desktop.fill("[data-testid=contrast]", "1.4")
    box = canvas.bounding_box()
    assert box is not None
    x0, y0 = box["x"] + box["width"] * 0.40, box["y"] + box["height"] * 0.35
    desktop.mouse.move(x0, y0)
    desktop.mouse.down()
    desktop.mouse.move(x0 + 60, y0 + 30, steps=5)
    desktop.mouse.up()
    marked = desktop.locator("[data-testid=marked-region]")
    assert marked.count() == 1
    marked.first.locator("[data-testid=region-label]").select_option("weapon")
    desktop.click("[data-testid=decide-suspect]")
    desktop.wait_for_selector("[data-testid=decision][data-decision=suspect]")
    region = desktop.locator("[data-testid=decided-region]")
    assert region.count() == 1 and region.first.get_attribute("data-label") == "weapon"
    assert int(region.first.get_attribute("data-w") or 0) > 0

    from smartcustoms.platform.outbox import outbox

    with runtime.engine.connect() as conn:
        payloads = [r["payload"] for r in conn.execute(select(outbox).where(
            outbox.c.topic == "imaging/manual_inspection_requested")).mappings()]
    sent = [p for p in payloads if p["scan_id"] == scan_id]
    assert len(sent) == 1 and sent[0]["regions"][0]["label"] == "weapon"

    login(phone, base, "inspector.li", "demo-pass-2026")
    phone.goto(f"{base}/imaging/scans/{scan_id}")
    assert phone.locator("[data-testid=decided-region][data-label=weapon]").count() == 1

    # the running relay hands the event to inspection: the region is attached to the declaration's task
    from smartcustoms.capabilities.inspection.db import scan_marks, tasks
    from smartcustoms.platform.identity.tables import users

    deadline, mark = time.monotonic() + 10, None
    while mark is None and time.monotonic() < deadline:
        with runtime.engine.connect() as conn:
            mark = conn.execute(select(scan_marks).where(scan_marks.c.scan_id == scan_id)).mappings().first()
        time.sleep(0.1)
    assert mark is not None and mark["regions"][0]["label"] == "weapon"
    with runtime.engine.connect() as conn:
        officer = conn.execute(select(users.c.username).join(tasks, tasks.c.officer_id == users.c.id)
                               .where(tasks.c.id == mark["task_id"])).scalar()
    assert officer is not None
    if officer != "inspector.li":
        phone.context.clear_cookies()
        login(phone, base, officer, "demo-pass-2026")
    phone.goto(f"{base}/inspection/tasks/{mark['task_id']}")
    region_row = phone.locator("[data-testid=scan-region][data-label=weapon]")
    assert region_row.count() == 1 and region_row.first.is_visible()
    assert phone.locator("[data-testid=goods-item]").count() > 0
    phone.click("[data-testid=scan-link]")
    phone.wait_for_url(f"**/imaging/scans/{scan_id}")
