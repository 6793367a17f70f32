"""A person logs in through the real page in Chromium, sees who they are, and switches language."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_login_wrong_password_then_right_one_and_switch_language(live_server: Any, desktop: Any) -> None:
    base, _runtime = live_server
    login(desktop, base, "auditor.qian", "wrong password!")
    assert "用户名或密码错误" in desktop.inner_text("[data-testid=login-error]")
    login(desktop, base, "auditor.qian", "demo-pass-2026")
    assert "钱审计" in desktop.inner_text("[data-testid=who]")
    desktop.click("text=EN")
    assert desktop.inner_text("button[type=submit]") == "Log out"
