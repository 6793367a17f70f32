"""On the officer's phone (390×844): an officer opens a task, records a discrepancy with a photo, signs on the
canvas and submits while the network is down; after reload and reconnection the report is sent once and the
re-inspection draw is shown; the section chief approves; the declaration's inspection record shows it all."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.browser.conftest import login
from tests.e2e.inspection.helpers import png

pytestmark = pytest.mark.browser


@dataclass
class _Drawn:
    recheck: bool = False
    recheck_officer: str | None = None
    chief: bool = False
    chief_officer: str | None = None


class _NotDrawn:
    """Stands in for risk's ``risk.recheck`` port (a verifiable draw that came out 'no re-inspection')."""

    def draw(self, batch_id: str | None, task_id: str, inspector_id: str) -> _Drawn:
        return _Drawn()


def _new_task(runtime: Any) -> tuple[str, str, str]:
    """A fresh declaration of the demo trader 宁波甬港 that the rules send to inspection (HS chapter 93), decided
    in a drawn risk batch; the running relay turns the decision into a task for the drawn officer.
    Returns (task id, declaration id, officer user name)."""
    from smartcustoms.capabilities.declarations.services import do_submit
    from smartcustoms.capabilities.enterprise.queries import find_by_code
    from smartcustoms.capabilities.inspection.db import tasks
    from smartcustoms.platform.identity.model import Principal, Role
    from smartcustoms.platform.identity.tables import users
    from tests.unit.declarations.factories import line, submission

    with runtime.engine.connect() as conn:
        trader = find_by_code(conn, "3104961001")
    assert trader is not None
    who = Principal(user_id="browser-test", username="browser-test", display_name="browser test",
                    roles=frozenset({Role.ENTERPRISE_USER}), enterprise_id=trader.id)
    cmd = replace(submission(880_000 + uuid.uuid4().int % 100_000, items=2), trader=trader.customs_code,
                  items=(line(1, hs_code="9302000000"), line(2)))
    declaration_id = do_submit(runtime, who, cmd).id
    # risk screens in batches: close Beilun's batch now (the simulated operators enter the dice) so the drawn
    # decision — inspection, by the HS chapter 93 rule — reaches declarations and inspection through the relay
    from smartcustoms.capabilities.risk.batching import SYSTEM, do_close_batch

    assert do_close_batch(runtime, SYSTEM, "3104", simulated_entropy=True) is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with runtime.engine.connect() as conn:
            row = conn.execute(select(tasks.c.id, users.c.username).join(users, users.c.id == tasks.c.officer_id)
                               .where(tasks.c.declaration_id == declaration_id)).first()
        if row is not None:
            return str(row.id), declaration_id, str(row.username)
        time.sleep(0.1)
    raise AssertionError("the relay did not create the inspection task")


def test_officer_reports_offline_chief_approves_record_shows_it(live_server: Any, phone: Any) -> None:
    from smartcustoms.capabilities.inspection.db import reports
    from smartcustoms.capabilities.inspection.ports import RECHECK

    base, runtime = live_server
    task_id, declaration_id, officer = _new_task(runtime)
    assert officer in ("inspector.li", "inspector.zhao")
    runtime.ports[RECHECK] = _NotDrawn()
    try:
        login(phone, base, officer, "demo-pass-2026")
        phone.goto(f"{base}/inspection")
        phone.locator(f"[data-testid=task-row][data-id='{task_id}'] a").click()
        phone.click("[data-testid=start]")
        phone.wait_for_selector("[data-testid=report-form]")
        item = phone.locator("[data-testid=finding-1]")
        item.locator("input[value=discrepancy]").check()
        item.locator("select").select_option("value")
        item.locator("textarea").fill("申报价格明显偏低")
        for other in phone.locator(".insp-item").all()[1:]:
            other.locator("input[value=conform]").check()
        phone.set_input_files("[data-testid=media-input]", files=[
            {"name": "photo.png", "mimeType": "image/png", "buffer": png(32, 32)}])
        phone.wait_for_selector("[data-testid=media-item]")
        phone.locator("[data-testid=signature]").scroll_into_view_if_needed()
        box = phone.locator("[data-testid=signature]").bounding_box()
        assert box is not None
        phone.mouse.move(box["x"] + 20, box["y"] + 40)
        phone.mouse.down()
        for step in range(1, 8):
            phone.mouse.move(box["x"] + 20 + step * 30, box["y"] + 40 + (step % 2) * 50)
        phone.mouse.up()

        phone.context.set_offline(True)
        phone.click("[data-testid=submit]")
        phone.wait_for_function("document.querySelector('[data-testid=message]').textContent.includes('网络')")
        with runtime.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(reports).where(
                reports.c.task_id == task_id)).scalar_one() == 0
        phone.context.set_offline(False)
        phone.reload()
        outcome = phone.locator("[data-testid=draw-outcome]").first  # server-rendered, and the JS resend's answer
        outcome.wait_for()
        assert "未抽中复查" in outcome.inner_text()
        with runtime.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(reports).where(
                reports.c.task_id == task_id)).scalar_one() == 1
    finally:
        runtime.ports.pop(RECHECK, None)

    chief = phone.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = chief.new_page()
    page.set_default_timeout(10_000)
    try:
        login(page, base, "chief.zhou", "demo-pass-2026")
        page.goto(f"{base}/inspection/chief")
        page.locator(f"[data-testid=approval][data-task='{task_id}'] [data-testid=approve]").click()
        page.wait_for_selector(f"[data-testid=approval][data-task='{task_id}']", state="detached")
        page.goto(f"{base}/inspection/declarations/{declaration_id}")
        actions = [e.get_attribute("data-action") for e in page.locator("[data-testid=timeline-entry]").all()]
        for needed in ("inspection.task_created", "inspection.task_claim", "inspection.media_uploaded",
                       "inspection.report_submitted", "inspection.draw_recorded", "inspection.task_approve",
                       "inspection.settled", "declarations.record_inspection", "declarations.release"):
            assert needed in actions, needed
        assert actions.count("inspection.report_submitted") == 1
        assert page.locator("[data-testid=record-media]").count() == 1
        assert page.locator("[data-testid=declaration-status]").inner_text() == "released"
    finally:
        chief.close()
