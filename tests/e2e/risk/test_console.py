"""The risk officer console and the live-screening endpoints: pages render and their forms work; who may do what
(risk officers operate and edit rules, section chiefs the roster and manifest locks, auditors read and download,
enterprises nothing); a locked manifest blocks the release of its declarations until unlocked."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from smartcustoms.capabilities.declarations import db as ddb
from smartcustoms.capabilities.declarations.commands import BillLine, FileManifest
from smartcustoms.capabilities.declarations.manifests import do_file_manifest
from smartcustoms.capabilities.declarations.ports import DIRECTORY
from smartcustoms.capabilities.risk import batching
from smartcustoms.platform.audit import trail
from smartcustoms.platform.identity.model import Principal, Role
from tests.unit.declarations.factories import TRADER, FakeDirectory, as_json, submission

TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_randomness.py"


@pytest.fixture
def setup(runtime: Any, make_user: Any) -> dict[str, Any]:
    runtime.ports[DIRECTORY] = FakeDirectory()
    return {"risk": make_user("risk_officer", org_unit="3104"), "auditor": make_user("auditor", org_unit="3100"),
            "chief": make_user("section_chief", org_unit="3104"),
            "inspectors": [make_user("inspector", org_unit="3104S01") for _ in range(3)],
            "trader": make_user("enterprise_user", enterprise_id=TRADER.id)}


def login(client: Any, user: Any, page: str = "/risk") -> str:
    client.post("/login", data={"username": user.username, "password": user.password}, follow_redirects=False)
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert match
    return match.group(1)


def submit(client: Any, trader: Any, serials: range, **overrides: Any) -> list[str]:
    ids = []
    for i in serials:
        res = client.post("/api/v1/declarations", json=as_json(replace(submission(i), **overrides)),
                          headers=trader.headers)
        assert res.status_code == 201 and res.json()["status"] == "accepted", res.text
        ids.append(res.json()["id"])
    return ids


def status_of(runtime: Any, ids: list[str]) -> dict[str, str]:
    t = ddb.declarations
    with runtime.engine.connect() as conn:
        return {r.id: r.status for r in conn.execute(select(t.c.id, t.c.status).where(t.c.id.in_(ids)))}


def test_console_pages_forms_and_roles(client: Any, runtime: Any, setup: dict[str, Any], tmp_path: Path) -> None:
    risk, auditor, chief, trader = setup["risk"], setup["auditor"], setup["chief"], setup["trader"]
    ids = submit(client, trader, range(1, 9))
    # the queue, then "close now": the batch waits for the operators' dice
    assert client.get("/api/v1/risk/queue", headers=auditor.headers).json()[0]["queued"] == 8
    assert client.post("/api/v1/risk/sites/3104/close", headers=auditor.headers).status_code == 403
    html = client.get("/risk", headers=risk.headers).text
    assert 'data-testid="queue-site" data-site="3104"' in html and 'data-testid="close-batch"' in html
    assert 'data-testid="close-batch"' not in client.get("/risk", headers=auditor.headers).text
    res = client.post("/risk/sites/3104/close", headers=risk.headers, follow_redirects=False)
    assert res.status_code == 303
    batch_url = res.headers["location"]
    batch_id = batch_url.rsplit("/", 1)[1]
    page = client.get(batch_url, headers=risk.headers).text
    assert 'data-status="frozen"' in page and 'data-testid="dice-form"' in page
    assert 'data-testid="dice-form"' not in client.get(batch_url, headers=auditor.headers).text
    assert client.post(f"{batch_url}/dice", data={"party_1": "a", "digits_1": "1" * 12, "party_2": "b",
                                                 "digits_2": "2" * 12}, headers=auditor.headers).status_code == 403
    res = client.post(f"{batch_url}/dice", data={"party_1": "risk office", "digits_1": "314159265358",
                                                "party_2": "discipline", "digits_2": "271828182845"},
                      headers=risk.headers, follow_redirects=False)
    assert res.status_code == 303
    runtime.relay.drain()
    assert set(status_of(runtime, ids).values()) <= {"released", "inspection_ordered"}
    page = client.get(batch_url, headers=auditor.headers).text
    assert 'data-testid="verify-result" data-ok="true"' in page and page.count('data-testid="decision"') == 8
    download = client.get(f"{batch_url}/record.json", headers=auditor.headers)
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert download.json()["batch_id"] == batch_id and len(download.json()["leaves"]) >= 8
    # the declarations show the risk reasons
    assert "risk.reason" not in client.get(f"/declarations/{ids[0]}", headers=risk.headers).text
    # other pages
    for path in ("/risk/rules", "/risk/roster?site=3104", "/risk/manifests", "/risk"):
        assert client.get(path, headers=auditor.headers).status_code == 200, path
        assert client.get(path, headers=trader.headers).status_code == 403, path
        assert client.get(path, headers=chief.headers).status_code == 200, path
    assert client.get(batch_url, headers=trader.headers).status_code == 403
    assert client.get(f"{batch_url}/record.json", headers=trader.headers).status_code == 403
    assert client.get("/risk", follow_redirects=False).status_code == 303  # anonymous: to the login page
    # a cookie session needs the CSRF token on every form
    token = login(client, risk)
    assert client.post(f"{batch_url}/reveal", data={}, follow_redirects=False).status_code == 403
    assert client.post(f"{batch_url}/reveal", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert 'data-status="revealed"' in client.get(batch_url).text
    # the auditor downloads the revealed record and the standalone verifier re-derives every draw
    record = client.get(f"{batch_url}/record.json", headers=auditor.headers)
    path = tmp_path / "record.json"
    path.write_bytes(record.content)
    out = subprocess.run([sys.executable, "-I", str(TOOL), str(path), "--root", record.json()["batch_root"],
                          "--commit", record.json()["commit"]], capture_output=True, text=True)
    assert out.returncode == 0 and "outcomes re-derived" in out.stdout, out.stdout + out.stderr


RULE = {"rule_id": "SWITCHING-PSU", "condition": '{"item": {"hs": ["8504"]}}', "channel": "manual", "score": "0.5",
        "reason_zh": "开关电源重点布控", "reason_en": "Switching power supplies: targeted", "effective_from": "",
        "effective_to": ""}


def test_rules_editor_dry_run_then_activate(client: Any, runtime: Any, setup: dict[str, Any]) -> None:
    risk, auditor, chief, trader = setup["risk"], setup["auditor"], setup["chief"], setup["trader"]
    queued = submit(client, trader, range(1, 4))
    page = client.post("/risk/rules", data={**RULE, "action": "dry_run"}, headers=risk.headers)
    assert page.status_code == 200 and 'data-testid="dry-run-result"' in page.text
    assert 'data-testid="dry-run-rule" data-hits="3"' in page.text
    bad = client.post("/risk/rules", data={**RULE, "action": "save", "reason_en": "", "condition": "{not json"},
                      headers=risk.headers)
    assert bad.status_code == 422 and 'data-testid="rule-errors"' in bad.text
    for user in (auditor, chief, trader):
        assert client.post("/risk/rules", data={**RULE, "action": "save"}, headers=user.headers).status_code == 403
    assert client.post("/risk/rules", data={**RULE, "action": "save"}, headers=risk.headers,
                       follow_redirects=False).status_code == 303
    page = client.get("/risk/rules", headers=risk.headers).text
    assert 'data-rule="SWITCHING-PSU" data-version="1" data-status="draft"' in page
    stored = client.post("/risk/rules/SWITCHING-PSU/versions/1/dry-run", headers=risk.headers)
    assert 'data-testid="dry-run-rule" data-hits="3"' in stored.text
    assert client.post("/risk/rules/SWITCHING-PSU/versions/1/activate", headers=auditor.headers).status_code == 403
    assert client.post("/risk/rules/SWITCHING-PSU/versions/1/activate", headers=risk.headers,
                       follow_redirects=False).status_code == 303
    assert 'data-status="active"' in client.get("/risk/rules", headers=auditor.headers).text
    edit = client.get("/risk/rules?edit=SWITCHING-PSU", headers=risk.headers).text
    assert 'value="SWITCHING-PSU"' in edit
    # rules apply when the batch closes: the active rule sends every queued declaration to manual inspection,
    # and they show on the hit list
    ids = queued + submit(client, trader, range(10, 13))
    batching.do_close_batch(runtime, batching.SYSTEM, "3104", simulated_entropy=True)
    runtime.relay.drain()
    assert set(status_of(runtime, ids).values()) == {"inspection_ordered"}
    assert client.get("/risk", headers=risk.headers).text.count('data-testid="hit"') == 6


def file_manifest(runtime: Any, number: str, bill_no: str) -> None:
    who = Principal("u-carrier", "carrier", "carrier", frozenset({Role.ENTERPRISE_USER}), enterprise_id=TRADER.id)
    arrival = datetime(2026, 11, 1, tzinfo=UTC)
    do_file_manifest(runtime, who, FileManifest(number, "2", "MSC ANNA", "612E", "3104", arrival,
                                                (BillLine(bill_no, "S", "C", "goods", 10, Decimal("100")),)))


def test_locked_manifest_blocks_release_until_unlocked(client: Any, runtime: Any, setup: dict[str, Any],
                                                       make_user: Any) -> None:
    risk, auditor, chief, trader = setup["risk"], setup["auditor"], setup["chief"], setup["trader"]
    file_manifest(runtime, "MF-1", "BL-1")
    url = "/api/v1/risk/manifests/MF-1/lock"
    assert client.post(url, json={"reason": "x"}, headers=trader.headers).status_code == 403
    assert client.post(url, json={"reason": "x"}, headers=auditor.headers).status_code == 403
    shanghai = make_user("risk_officer", org_unit="2201")
    assert client.post(url, json={"reason": "x"}, headers=shanghai.headers).status_code == 404
    assert client.post(url, json={"reason": ""}, headers=risk.headers).status_code == 422
    assert client.post(url, json={"reason": "情报：疑似夹藏"}, headers=risk.headers).status_code == 201
    assert client.post(url, json={"reason": "again"}, headers=chief.headers).status_code == 409
    ids = submit(client, trader, range(1, 11), bill_no="BL-1")
    batching.do_close_batch(runtime, batching.SYSTEM, "3104", simulated_entropy=True)
    runtime.relay.drain()
    statuses = status_of(runtime, ids)
    waiting = [i for i in ids if statuses[i] == "screened"]
    assert "released" not in statuses.values() and waiting
    with runtime.engine.connect() as conn:
        actions = [e["action"] for e in trail(conn, "declaration", waiting[0])]
        assert "declarations.release_blocked" in actions
    inspector = setup["inspectors"][0]
    res = client.post(f"/api/v1/declarations/{waiting[0]}/transitions/release", json={},
                      headers=inspector.headers)
    assert res.status_code == 409 and "MF-1" in res.text
    page = client.get("/risk/manifests", headers=auditor.headers).text
    assert 'data-testid="lock" data-number="MF-1"' in page and 'data-testid="unlock"' not in page
    res = client.post("/risk/manifests/MF-1/unlock", data={"reason": "查无问题"}, headers=chief.headers,
                      follow_redirects=False)
    assert res.status_code == 303
    after = status_of(runtime, ids)
    assert all(after[i] == "released" for i in waiting)
    assert all(after[i] == "inspection_ordered" for i in ids if i not in waiting)
    assert client.post("/api/v1/risk/manifests/MF-1/unlock", json={"reason": "x"},
                       headers=risk.headers).status_code == 409


def test_duty_roster_toggle(client: Any, runtime: Any, setup: dict[str, Any]) -> None:
    risk, auditor, chief, trader = setup["risk"], setup["auditor"], setup["chief"], setup["trader"]
    first = setup["inspectors"][0]
    roster = client.get("/api/v1/risk/roster/3104", headers=auditor.headers).json()
    assert {o["username"] for o in roster} >= {first.username, chief.username} and all(o["on_duty"] for o in roster)
    url = f"/api/v1/risk/roster/3104/{first.user_id}"
    assert client.post(url, json={"on_duty": False}, headers=auditor.headers).status_code == 403
    assert client.post(url, json={"on_duty": False}, headers=trader.headers).status_code == 403
    assert client.post(f"/api/v1/risk/roster/3104/{trader.user_id}", json={"on_duty": False},
                       headers=chief.headers).status_code == 404
    assert client.post(url, json={"on_duty": False}, headers=chief.headers).status_code == 200
    page = client.get("/risk/roster?site=3104", headers=risk.headers).text
    assert f'data-username="{first.username}" data-on-duty="false"' in page
    with runtime.engine.connect() as conn:
        officers = batching.roster(conn, "3104", runtime.clock.now())
    assert first.user_id not in {o.id for o in officers} and len(officers) == 3  # 2 inspectors + the chief
    res = client.post(f"/risk/roster/3104/{first.user_id}", data={"on_duty": "1"}, headers=risk.headers,
                      follow_redirects=False)
    assert res.status_code == 303
    assert client.get("/api/v1/risk/roster/2201", headers=risk.headers).status_code == 404


WRITES = [("/api/v1/risk/sites/3104/close", {}), ("/api/v1/risk/roster/3104/u1", {"on_duty": False}),
          ("/api/v1/risk/manifests/MF-9/lock", {"reason": "x"}),
          ("/api/v1/risk/manifests/MF-9/unlock", {"reason": "x"})]
READS = ["/api/v1/risk/queue", "/api/v1/risk/batches", "/api/v1/risk/roster/3104", "/api/v1/risk/manifest-locks"]
PAGE_WRITES = ["/risk/sites/3104/close", "/risk/batches/B1/dice", "/risk/batches/B1/reveal", "/risk/rules",
               "/risk/rules/R/versions/1/dry-run", "/risk/rules/R/versions/1/activate", "/risk/roster/3104/u1",
               "/risk/manifests/lock", "/risk/manifests/MF-9/unlock"]
PAGES = ["/risk", "/risk/rules", "/risk/roster?site=3104", "/risk/manifests", "/risk/batches/B1",
         "/risk/batches/B1/record.json"]


@pytest.mark.parametrize("role", ["enterprise_user", "broker"])
def test_enterprises_get_nothing(client: Any, make_user: Any, role: str) -> None:
    user = make_user(role, enterprise_id=TRADER.id)
    for path, body in WRITES:
        assert client.post(path, json=body, headers=user.headers).status_code == 403, path
    for path in READS:
        assert client.get(path, headers=user.headers).status_code == 403, path
    for path in PAGE_WRITES:
        assert client.post(path, data={}, headers=user.headers).status_code == 403, path
    for path in PAGES:
        assert client.get(path, headers=user.headers).status_code == 403, path


def test_auditors_read_only(client: Any, make_user: Any) -> None:
    auditor = make_user("auditor", org_unit="3100")
    for path, body in WRITES:
        assert client.post(path, json=body, headers=auditor.headers).status_code == 403, path
    for path in READS:
        assert client.get(path, headers=auditor.headers).status_code == 200, path
    for path in PAGE_WRITES:
        assert client.post(path, data={"reason": "x", "number": "MF-9", "on_duty": "0"},
                           headers=auditor.headers).status_code == 403, path
    for path in PAGES[:4]:
        assert client.get(path, headers=auditor.headers).status_code == 200, path
    assert client.get("/risk/batches/B1", headers=auditor.headers).status_code == 404  # no such batch
    inspector = make_user("inspector", org_unit="3104")
    assert client.get("/risk", headers=inspector.headers).status_code == 403
