"""The risk API: a batch through commit → freeze → dice → report → reveal, the auditor's record download and
its verification with the standalone script, rules with versions and dry run — and who may do what."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_randomness.py"
REASON = {"zh-CN": "美国产苹果 100% 查验", "en": "US apples: inspect 100 %"}
APPLES = {"id": "APPLES", "channel": "manual", "reason": REASON,
          "when": {"item": {"all": [{"hs": ["080810"]}, {"field": "origin", "op": "eq", "value": "US"}]}}}


def freeze_body(inspectors: list[str]) -> dict[str, Any]:
    return {
        "candidates": [{"id": f"D{i:03d}", "enterprise": f"E{i % 7}", "grade": ["general", "certified",
                                                                                  "dishonest"][i % 3],
                        "score": (i * 37 % 100) / 100, "site": "3104S01"} for i in range(60)],
        "roster": [{"id": uid, "site": "3104S01"} for uid in inspectors],
        "selection": {"capacity": 10, "random_rate": "0.05", "scanner_sites": ["3104S01"]},
        "dispatch": {"workload_cap": 30, "p_recheck": "0.5", "p_chief": "0.5"},
    }


def test_a_batch_end_to_end_and_the_auditor_verifies_the_download(client: Any, make_user: Any,
                                                                  tmp_path: Path) -> None:
    risk = make_user("risk_officer", org_unit="3104")
    inspectors = [make_user("inspector", org_unit="3104") for _ in range(3)]
    auditor = make_user("auditor", org_unit="3100")
    r = client.post("/api/v1/risk/batches", json={"customs_code": "3104", "site": "3104S01", "batch_id": "B1"},
                    headers=risk.headers)
    assert r.status_code == 201, r.text
    commit = r.json()["commit"]
    r = client.post("/api/v1/risk/batches/B1/freeze", json=freeze_body([u.user_id for u in inspectors]),
                    headers=risk.headers)
    assert r.status_code == 200, r.text
    root = r.json()["batch_root"]
    r = client.post("/api/v1/risk/batches/B1/dice", json={"parties": {"risk_office": "123456789012",
                                                                      "discipline": "210987654321"}},
                    headers=risk.headers)
    assert r.status_code == 200 and r.json()["selected"] >= 10, r.text
    record = client.get("/api/v1/risk/batches/B1/record", headers=auditor.headers).json()
    assert record["server_seed"] is None  # not before the reveal
    by_user = {u.user_id: u for u in inspectors}
    task, officer = next(iter(record["outcome"]["assignments"].items()))
    r = client.post("/api/v1/risk/batches/B1/reports", json={"task_id": task}, headers=by_user[officer].headers)
    assert r.status_code == 200, r.text
    assert set(r.json()) >= {"recheck", "recheck_officer", "chief", "chief_officer"}
    other = next(u for u in inspectors if u.user_id != officer)
    r = client.post("/api/v1/risk/batches/B1/reports", json={"task_id": task}, headers=other.headers)
    assert r.status_code in (409, 422)
    assert client.post("/api/v1/risk/batches/B1/reveal", headers=risk.headers).status_code == 200
    record = client.get("/api/v1/risk/batches/B1/record", headers=auditor.headers).json()
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    done = subprocess.run([sys.executable, "-I", str(TOOL), str(path), "--root", root, "--commit", commit],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    decisions = client.get("/api/v1/risk/batches/B1/decisions", headers=auditor.headers).json()
    assert len(decisions) == 60 and all(d["reasons"] for d in decisions)


def test_bad_policy_and_bad_dice_are_field_errors(client: Any, make_user: Any) -> None:
    risk = make_user("risk_officer", org_unit="3104")
    client.post("/api/v1/risk/batches", json={"customs_code": "3104", "site": "3104S01", "batch_id": "B2"},
                headers=risk.headers)
    body = freeze_body(["x"])
    body["selection"].update(multipliers={"advanced_certified": "0.9"}, random_rate="lots")
    r = client.post("/api/v1/risk/batches/B2/freeze", json=body, headers=risk.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "risk.policy.rate_invalid"
    body["selection"] = {"capacity": 5, "multipliers": {"advanced_certified": "0.9"}}
    r = client.post("/api/v1/risk/batches/B2/freeze", json=body, headers=risk.headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["messages"]["en"].startswith("Advanced certified factor")
    body = freeze_body(["x"])
    assert client.post("/api/v1/risk/batches/B2/freeze", json=body, headers=risk.headers).status_code == 200
    r = client.post("/api/v1/risk/batches/B2/dice", json={"parties": {"me": "12"}}, headers=risk.headers)
    assert r.status_code == 422
    assert {e["code"] for e in r.json()["errors"]} == {"risk.entropy.parties", "risk.entropy.too_few_digits"}


def test_rules_versions_activation_and_dry_run(client: Any, make_user: Any) -> None:
    risk = make_user("risk_officer", org_unit="3104")
    r = client.post("/api/v1/risk/rules", json={"definition": APPLES}, headers=risk.headers)
    assert r.status_code == 201 and r.json()["version"] == 1 and r.json()["status"] == "draft"
    r = client.post("/api/v1/risk/rules", json={"definition": {**APPLES, "channel": "machine"}}, headers=risk.headers)
    assert r.json()["version"] == 2
    decls = [{"id": f"D{i}", "origin": "US", "items": [{"hs_code": "0808100000" if i % 2 else "0101000000",
                                                         "origin": "US", "quantity": 1, "value": 10}]}
             for i in range(10)]
    r = client.post("/api/v1/risk/rules/dry-run", json={"declarations": decls, "on": "2026-11-02",
                                                        "rule_ids": ["APPLES"]}, headers=risk.headers)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["hit_declarations"] == 5 and out["rules"][0]["version"] == 2
    assert out["hits"]["D1"][0]["reason"] == REASON
    assert client.post("/api/v1/risk/rules/APPLES/versions/1/activate", headers=risk.headers).status_code == 200
    assert client.post("/api/v1/risk/rules/APPLES/versions/2/activate", headers=risk.headers).status_code == 200
    versions = client.get("/api/v1/risk/rules/APPLES", headers=risk.headers).json()
    assert [v["status"] for v in versions] == ["retired", "active"]
    assert client.post("/api/v1/risk/rules/APPLES/versions/1/activate", headers=risk.headers).status_code == 409
    r = client.post("/api/v1/risk/rules/dry-run", json={"declarations": decls, "on": "2026-11-02"},
                    headers=risk.headers)
    assert r.json()["rules"][0]["version"] == 2  # active rules by default
    bad = client.post("/api/v1/risk/rules", json={"definition": {"id": "X", "reason": {}, "when": {"zap": 1}}},
                      headers=risk.headers)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"reason", "when"}
    assert client.get("/api/v1/risk/rules/NOPE", headers=risk.headers).status_code == 404


ENDPOINTS = [("post", "/api/v1/risk/batches", {"customs_code": "3104", "site": "3104S01"}),
             ("post", "/api/v1/risk/batches/B9/freeze", None), ("post", "/api/v1/risk/batches/B9/dice", None),
             ("post", "/api/v1/risk/batches/B9/beacon", None), ("post", "/api/v1/risk/batches/B9/reveal", None),
             ("post", "/api/v1/risk/batches/B9/secrets", {"secrets": {}}),
             ("post", "/api/v1/risk/rules", {"definition": APPLES}),
             ("post", "/api/v1/risk/rules/APPLES/versions/1/activate", None),
             ("post", "/api/v1/risk/rules/APPLES/versions/1/retire", None),
             ("post", "/api/v1/risk/rules/dry-run", {"declarations": [], "on": "2026-11-02"})]
READS = ["/api/v1/risk/batches/B9/record", "/api/v1/risk/batches/B9/decisions", "/api/v1/risk/rules",
         "/api/v1/risk/rules/APPLES"]


@pytest.fixture
def batch_b9(client: Any, make_user: Any) -> None:
    risk = make_user("risk_officer", org_unit="3104")
    client.post("/api/v1/risk/batches", json={"customs_code": "3104", "site": "3104S01", "batch_id": "B9"},
                headers=risk.headers)
    client.post("/api/v1/risk/rules", json={"definition": APPLES}, headers=risk.headers)


@pytest.mark.parametrize("role", ["enterprise_user", "broker"])
def test_enterprise_users_get_403_everywhere(client: Any, make_user: Any, batch_b9: None, role: str) -> None:
    user = make_user(role, enterprise_id="ENT-1")
    for method, path, body in ENDPOINTS:
        assert getattr(client, method)(path, json=body or {}, headers=user.headers).status_code == 403, path
    for path in READS:
        assert client.get(path, headers=user.headers).status_code == 403, path
    assert client.post("/api/v1/risk/batches/B9/reports", json={"task_id": "D1"},
                       headers=user.headers).status_code == 403


@pytest.mark.parametrize("role", ["auditor", "section_chief"])
def test_auditors_and_chiefs_read_but_never_write(client: Any, make_user: Any, batch_b9: None, role: str) -> None:
    user = make_user(role, org_unit="3100")
    for method, path, body in ENDPOINTS:
        assert getattr(client, method)(path, json=body or {}, headers=user.headers).status_code == 403, path
    for path in READS:
        assert client.get(path, headers=user.headers).status_code == 200, path


def test_officers_outside_the_batch_customs_scope_get_404_and_anonymous_401(client: Any, make_user: Any,
                                                                             batch_b9: None) -> None:
    shanghai = make_user("risk_officer", org_unit="2201")
    assert client.get("/api/v1/risk/batches/B9/record", headers=shanghai.headers).status_code == 404
    r = client.post("/api/v1/risk/batches", json={"customs_code": "3104", "site": "X"}, headers=shanghai.headers)
    assert r.status_code == 422
    inspector = make_user("inspector", org_unit="3104")
    assert client.get("/api/v1/risk/batches/B9/record", headers=inspector.headers).status_code == 403
    assert client.get("/api/v1/risk/batches/B9/record").status_code == 401


def test_rule_hit_statistics_over_recent_batches(client: Any, make_user: Any) -> None:
    risk = make_user("risk_officer", org_unit="3104")
    client.post("/api/v1/risk/batches", json={"customs_code": "3104", "site": "3104S01", "batch_id": "B5"},
                headers=risk.headers)
    body = freeze_body(["O1"])
    for i, c in enumerate(body["candidates"]):
        c["rules"] = ["APPLES"] if i % 10 == 0 else []
        c["forced_channel"] = "manual" if i % 20 == 0 else ""
    assert client.post("/api/v1/risk/batches/B5/freeze", json=body, headers=risk.headers).status_code == 200
    client.post("/api/v1/risk/batches/B5/dice", json={"parties": {"a": "123456789012", "b": "123456789012"}},
                headers=risk.headers)
    auditor = make_user("auditor", org_unit="3100")
    r = client.get("/api/v1/risk/rules/stats", params={"since": "2026-11-01T00:00:00+00:00"},
                   headers=auditor.headers)
    assert r.status_code == 200, r.text
    [apples] = r.json()
    assert apples["rule_id"] == "APPLES" and apples["hits"] == 6 and apples["declarations"] == 60
    assert apples["inspected"] >= 3  # the three forced ones at least
    assert client.get("/api/v1/risk/rules/stats", params={"since": "2026-11-01T00:00:00"},
                      headers=auditor.headers).status_code == 422


def test_party_commitments_by_customs_parties_only(client: Any, make_user: Any, batch_b9: None) -> None:
    url, body = "/api/v1/risk/batches/B9/party-commitments", {"commitment": "ab" * 32}
    assert client.post(url, json=body, headers=make_user("enterprise_user", enterprise_id="E").headers
                       ).status_code == 403
    assert client.post(url, json=body, headers=make_user("auditor", org_unit="3100").headers).status_code == 403
    chief = make_user("section_chief", org_unit="3104")
    r = client.post(url, json=body, headers=chief.headers)
    assert r.status_code == 201 and r.json()["party"] == chief.username
    assert client.post(url, json=body, headers=chief.headers).status_code == 409
    assert client.post(url, json={"commitment": "zz" * 32}, headers=make_user("inspector", org_unit="3104").headers
                       ).status_code == 422


def test_watch_lists_feed_rules_and_dry_runs(client: Any, make_user: Any) -> None:
    risk = make_user("risk_officer", org_unit="3104")
    url = "/api/v1/risk/watch-lists/sanctioned_consignees/entries"
    r = client.post(url, json={"value": "ACME LTD", "note": "customs notice 2026/17"}, headers=risk.headers)
    assert r.status_code == 201
    assert client.post(url, json={"value": "ACME LTD", "note": "again"}, headers=risk.headers).status_code == 409
    assert client.post(url, json={"value": "X", "note": ""}, headers=risk.headers).status_code == 422
    rule = {"id": "WATCH", "channel": "manual", "reason": REASON,
            "when": {"watch_list": "sanctioned_consignees", "field": "consignee"}}
    decls = [{"id": "D1", "consignee": "ACME LTD", "items": []}, {"id": "D2", "consignee": "OTHER", "items": []}]
    r = client.post("/api/v1/risk/rules/dry-run", json={"declarations": decls, "on": "2026-11-02", "rules": [rule]},
                    headers=risk.headers)
    assert r.status_code == 200 and list(r.json()["hits"]) == ["D1"]
    auditor = make_user("auditor", org_unit="3100")
    lists = client.get("/api/v1/risk/watch-lists", headers=auditor.headers).json()
    assert lists["sanctioned_consignees"][0]["note"] == "customs notice 2026/17"
    assert client.post(url, json={"value": "Y", "note": "n"}, headers=auditor.headers).status_code == 403
    assert client.delete(f"{url}/ACME LTD", headers=auditor.headers).status_code == 403
    enterprise = make_user("enterprise_user", enterprise_id="E")
    assert client.get("/api/v1/risk/watch-lists", headers=enterprise.headers).status_code == 403
    assert client.delete(f"{url}/ACME LTD", headers=risk.headers).status_code == 204
    assert client.delete(f"{url}/ACME LTD", headers=risk.headers).status_code == 404
    r = client.post("/api/v1/risk/rules/dry-run", json={"declarations": decls, "on": "2026-11-02", "rules": [rule]},
                    headers=risk.headers)
    assert r.json()["hits"] == {}
