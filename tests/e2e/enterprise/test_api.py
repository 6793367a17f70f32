"""Enterprise API: registration errors in both languages, 409 on duplicates, and one test per authorisation
rule (an enterprise user or broker never reads or changes another enterprise through any endpoint)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.enterprise_data import customs_code, register, uscc

pytestmark = pytest.mark.usefixtures("reference_data")
ENTERPRISE_ROLES = ["enterprise_user", "broker"]


def _body(n: int, **overrides: Any) -> dict[str, Any]:
    body = {"uscc": uscc(n), "customs_code": customs_code(n), "name_zh": f"宁波测试{n}有限公司",
            "name_en": f"Ningbo Test {n} Ltd.", "kind": "trader", "registered_customs": "3104",
            "address": "宁波市北仑区"}
    body.update(overrides)
    return body


@pytest.fixture
def two(runtime: Any) -> tuple[str, str]:
    """Two enterprises: the caller's own and another one."""
    return register(runtime, registered_on=date(2020, 1, 1)), register(runtime, registered_on=date(2020, 1, 1))


# --- registration -------------------------------------------------------------------------------------------
def test_admin_registers_an_enterprise(client: Any, make_user: Any) -> None:
    admin = make_user("admin")
    res = client.post("/api/v1/enterprises", json=_body(1), headers=admin.headers)
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["uscc"] == uscc(1) and body["credit_grade"] == "general" and body["registered_on"] == "2026-11-02"
    got = client.get(f"/api/v1/enterprises/{body['id']}", headers=admin.headers)
    assert got.status_code == 200 and got.json()["name_en"] == "Ningbo Test 1 Ltd."


def test_validation_errors_name_every_field_in_both_languages(client: Any, make_user: Any) -> None:
    res = client.post("/api/v1/enterprises", headers=make_user("admin").headers,
                      json={"uscc": "91330206712345613B", "customs_code": "31-04", "kind": "pirate",
                            "registered_customs": "9999"})
    assert res.status_code == 422
    errors = {e["field"]: e["messages"] for e in res.json()["errors"]}
    assert set(errors) == {"uscc", "customs_code", "name_zh", "kind", "registered_customs"}
    assert errors["uscc"] == {"zh-CN": "统一社会信用代码校验码错误",
                              "en": "Wrong check character in the unified social credit code"}
    assert errors["name_zh"] == {"zh-CN": "必填项", "en": "This field is required"}
    assert errors["kind"] == {"zh-CN": "未知的企业类别 pirate", "en": "Unknown enterprise kind pirate"}
    assert errors["registered_customs"]["en"] == "Code 9999 is not in the reference table"
    en = client.post("/api/v1/enterprises", headers={**make_user("admin").headers, "Accept-Language": "en"},
                     json={})
    assert en.json()["message"] == "5 field(s) are invalid"


def test_duplicate_is_409_and_nothing_is_stored(client: Any, make_user: Any) -> None:
    admin = make_user("admin")
    assert client.post("/api/v1/enterprises", json=_body(2), headers=admin.headers).status_code == 201
    res = client.post("/api/v1/enterprises", json=_body(3, customs_code=customs_code(2)), headers=admin.headers)
    assert res.status_code == 409
    assert res.json()["messages"]["en"] == f"Customs code {customs_code(2)} is already registered"
    listed = client.get("/api/v1/enterprises", headers=admin.headers).json()
    assert listed["total"] == 1 and listed["items"][0]["uscc"] == uscc(2)
    assert client.get("/api/v1/enterprises", params={"q": uscc(3)}, headers=admin.headers).json()["total"] == 0


# --- credit grades --------------------------------------------------------------------------------------------
def test_risk_officer_changes_a_grade_and_the_history_shows_it(client: Any, make_user: Any, two: Any) -> None:
    eid, _ = two
    officer = make_user("risk_officer")
    res = client.post(f"/api/v1/enterprises/{eid}/credit-grades", headers=officer.headers,
                      json={"grade": "advanced_certified", "effective_from": "2026-10-01", "reason": "AEO 认证"})
    assert res.status_code == 201 and res.json()["credit_grade"] == "advanced_certified"
    future = client.post(f"/api/v1/enterprises/{eid}/credit-grades", headers=officer.headers,
                         json={"grade": "untrustworthy", "effective_from": "2027-01-01", "reason": "处罚"})
    assert future.json()["credit_grade"] == "advanced_certified"  # not in force yet
    history = client.get(f"/api/v1/enterprises/{eid}/credit-grades", headers=officer.headers).json()
    assert [(h["grade"], h["effective_from"]) for h in history] == [
        ("untrustworthy", "2027-01-01"), ("advanced_certified", "2026-10-01"), ("general", "2020-01-01")]
    assert history[1]["recorded_by"] == officer.username


def test_grade_errors_in_both_languages(client: Any, make_user: Any, two: Any) -> None:
    res = client.post(f"/api/v1/enterprises/{two[0]}/credit-grades", headers=make_user("admin").headers,
                      json={"grade": "AAA", "effective_from": "not a date"})
    assert res.status_code == 422
    fields = {e["field"] for e in res.json()["errors"]}
    assert "effective_from" in fields


# --- authorisation: one test per rule -------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/v1/enterprises", "/api/v1/enterprises/x",
                                  "/api/v1/enterprises/x/credit-grades"])
def test_anonymous_callers_are_refused(client: Any, path: str) -> None:
    assert client.get(path).status_code == 401
    assert client.post(path, json={}).status_code in (401, 405)
    assert client.patch(path, json={}).status_code in (401, 405)


@pytest.mark.parametrize("role", ENTERPRISE_ROLES)
def test_enterprise_side_user_reads_its_own_enterprise(client: Any, make_user: Any, two: Any, role: str) -> None:
    own, _ = two
    user = make_user(role, enterprise_id=own)
    assert client.get(f"/api/v1/enterprises/{own}", headers=user.headers).json()["id"] == own
    assert client.get(f"/api/v1/enterprises/{own}/credit-grades", headers=user.headers).status_code == 200


@pytest.mark.parametrize("role", ENTERPRISE_ROLES)
def test_enterprise_side_user_cannot_read_another_enterprise(client: Any, make_user: Any, two: Any,
                                                             role: str) -> None:
    own, other = two
    user = make_user(role, enterprise_id=own)
    res = client.get(f"/api/v1/enterprises/{other}", headers=user.headers)
    assert res.status_code == 404 and res.json()["code"] == "enterprise.not_found"
    assert client.get("/api/v1/enterprises/no-such-id", headers=user.headers).json() == res.json()  # no leak


@pytest.mark.parametrize("role", ENTERPRISE_ROLES)
def test_enterprise_side_user_cannot_read_another_enterprises_grades(client: Any, make_user: Any, two: Any,
                                                                      role: str) -> None:
    own, other = two
    user = make_user(role, enterprise_id=own)
    assert client.get(f"/api/v1/enterprises/{other}/credit-grades", headers=user.headers).status_code == 404


@pytest.mark.parametrize("role", ENTERPRISE_ROLES)
def test_enterprise_side_user_cannot_list_enterprises(client: Any, make_user: Any, two: Any, role: str) -> None:
    user = make_user(role, enterprise_id=two[0])
    assert client.get("/api/v1/enterprises", headers=user.headers).status_code == 403


@pytest.mark.parametrize("role", ENTERPRISE_ROLES)
def test_enterprise_side_user_cannot_change_another_enterprise(client: Any, make_user: Any, two: Any,
                                                               role: str, runtime: Any) -> None:
    own, other = two
    user = make_user(role, enterprise_id=own)
    patch = client.patch(f"/api/v1/enterprises/{other}", json={"name_en": "Hijacked"}, headers=user.headers)
    grade = client.post(f"/api/v1/enterprises/{other}/credit-grades", headers=user.headers,
                        json={"grade": "advanced_certified", "reason": "self-service"})
    assert patch.status_code == 404 and grade.status_code == 404
    admin = make_user("admin")
    after = client.get(f"/api/v1/enterprises/{other}", headers=admin.headers).json()
    assert after["name_en"] != "Hijacked" and after["credit_grade"] == "general"


@pytest.mark.parametrize("role", ENTERPRISE_ROLES)
def test_enterprise_side_user_cannot_change_its_own_enterprise_or_grade(client: Any, make_user: Any, two: Any,
                                                                        role: str) -> None:
    own, _ = two
    user = make_user(role, enterprise_id=own)
    assert client.patch(f"/api/v1/enterprises/{own}", json={"name_en": "X"}, headers=user.headers).status_code == 403
    res = client.post(f"/api/v1/enterprises/{own}/credit-grades", headers=user.headers,
                      json={"grade": "advanced_certified", "reason": "self-service"})
    assert res.status_code == 403


@pytest.mark.parametrize("role", ENTERPRISE_ROLES)
def test_enterprise_side_user_cannot_register(client: Any, make_user: Any, two: Any, role: str) -> None:
    user = make_user(role, enterprise_id=two[0])
    assert client.post("/api/v1/enterprises", json=_body(50), headers=user.headers).status_code == 403


def test_customs_officers_read_every_enterprise_and_the_list(client: Any, make_user: Any, two: Any) -> None:
    inspector = make_user("inspector", org_unit="3104S01")
    for eid in two:
        assert client.get(f"/api/v1/enterprises/{eid}", headers=inspector.headers).status_code == 200
        assert client.get(f"/api/v1/enterprises/{eid}/credit-grades", headers=inspector.headers).status_code == 200
    listed = client.get("/api/v1/enterprises", params={"kind": "trader", "page_size": 1}, headers=inspector.headers)
    assert listed.json()["total"] == 2 and len(listed.json()["items"]) == 1


def test_officers_other_than_admin_cannot_register_or_edit(client: Any, make_user: Any, two: Any) -> None:
    for role in ("inspector", "risk_officer", "auditor"):
        user = make_user(role)
        assert client.post("/api/v1/enterprises", json=_body(60), headers=user.headers).status_code == 403
        assert client.patch(f"/api/v1/enterprises/{two[0]}", json={"name_en": "X"},
                            headers=user.headers).status_code == 403


def test_only_admin_and_risk_officer_change_grades(client: Any, make_user: Any, two: Any) -> None:
    body = {"grade": "general_certified", "reason": "review"}
    for role in ("inspector", "auditor", "section_chief"):
        res = client.post(f"/api/v1/enterprises/{two[0]}/credit-grades", json=body, headers=make_user(role).headers)
        assert res.status_code == 403
    for role in ("admin", "risk_officer"):
        res = client.post(f"/api/v1/enterprises/{two[0]}/credit-grades", json=body, headers=make_user(role).headers)
        assert res.status_code == 201


def test_admin_updates_details(client: Any, make_user: Any, two: Any) -> None:
    admin = make_user("admin")
    res = client.patch(f"/api/v1/enterprises/{two[0]}", json={"name_en": "Renamed Ltd.", "address": "北仑区 1 号"},
                       headers=admin.headers)
    assert res.status_code == 200 and res.json()["name_en"] == "Renamed Ltd."
    bad = client.patch(f"/api/v1/enterprises/{two[0]}", json={"uscc": uscc(99)}, headers=admin.headers)
    assert bad.status_code == 422  # USCC and customs code are identity: not changeable
    assert client.patch("/api/v1/enterprises/nope", json={}, headers=admin.headers).status_code == 404
