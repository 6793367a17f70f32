"""Browser tests: the real app served by uvicorn on loopback, driven by Playwright in Debian's Chromium
(/usr/bin/chromium; Playwright never downloads a browser). Locally they skip without Chromium; under CI=true
a missing browser fails."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, SHARED

CHROMIUM = Path("/usr/bin/chromium")
SKIPPED_DEMOS = {"classification"}
"""Its demo trains the full HS model (about a minute); the classification tests train small ones instead."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The app on an embedded SQLite database with reference and demo data, as `make run` has it."""
    import uvicorn

    from smartcustoms.bootstrap import build_runtime
    from smartcustoms.bootstrap.demo import load_demo_officers
    from smartcustoms.capabilities.reference import services as reference
    from smartcustoms.cli.main import upgrade_database
    from smartcustoms.platform.settings import Settings
    from smartcustoms.web.app import create_app

    data = tmp_path_factory.mktemp("live")
    settings = Settings(env="test", data_dir=data, mqtt_url=None, shared_dir=SHARED)
    upgrade_database(settings.effective_database_url)
    runtime = build_runtime(settings, mqtt=False)
    reference.do_load(runtime, reference.hs_dir_of(settings.shared_dir))
    load_demo_officers(runtime)
    for cap in runtime.capabilities:
        if cap.demo is not None and cap.name not in SKIPPED_DEMOS:
            cap.demo(runtime)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", runtime
    server.should_exit = True
    thread.join(timeout=10)
    runtime.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Debian's chromium is required under CI=true (.ci/run installs it)")
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True,
                                  is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def login(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
