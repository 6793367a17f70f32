"""A risk officer writes a rule in the console, dry-runs it against recent declarations, saves it as a draft
version and activates it; the auditor then reads the rule list without any edit controls."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_risk_officer_dry_runs_then_activates_a_rule(live_server: Any, desktop: Any) -> None:
    base, _runtime = live_server
    login(desktop, base, "risk.wang", "demo-pass-2026")
    desktop.goto(f"{base}/risk")
    assert desktop.locator("[data-testid=risk-queue]").count() == 1
    desktop.click("[data-testid=risk-nav] a[href='/risk/rules']")
    desktop.fill("[data-testid=rule-id]", "BROWSER-PSU")
    desktop.select_option("[data-testid=rule-channel]", "manual")
    desktop.fill("[data-testid=rule-reason-zh]", "开关电源 100% 人工查验")
    desktop.fill("[data-testid=rule-reason-en]", "Switching power supplies: manual inspection")
    desktop.fill("[data-testid=rule-condition]", '{"item": {"hs": ["8504", "8517"]}}')
    desktop.click("[data-testid=rule-dry-run]")
    result = desktop.wait_for_selector("[data-testid=dry-run-result]")
    assert result is not None
    hits = desktop.locator("[data-testid=dry-run-rule]").first.get_attribute("data-hits")
    assert hits is not None and int(hits) >= 0
    # the form keeps what was typed; save it as a draft, then activate that version
    assert desktop.input_value("[data-testid=rule-id]") == "BROWSER-PSU"
    desktop.click("[data-testid=rule-save]")
    row = desktop.locator("[data-testid=rule-version][data-rule=BROWSER-PSU]")
    assert row.get_attribute("data-status") == "draft"
    row.locator("[data-testid=activate]").click()
    desktop.wait_for_selector("[data-testid=rule-version][data-rule=BROWSER-PSU][data-status=active]")


def test_auditor_reads_rules_without_edit_controls(live_server: Any, desktop: Any) -> None:
    base, _runtime = live_server
    login(desktop, base, "auditor.qian", "demo-pass-2026")
    desktop.goto(f"{base}/risk/rules")
    assert desktop.locator("[data-testid=rule-version]").count() >= 0
    assert desktop.locator("[data-testid=rule-form]").count() == 0
    assert desktop.locator("[data-testid=activate]").count() == 0
