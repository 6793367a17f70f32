"""Enterprise pages: the list for officers, one's own page for enterprise users, grade changes by form."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from smartcustoms.platform.http import LOCALE_COOKIE
from tests.enterprise_data import register

pytestmark = pytest.mark.usefixtures("reference_data")


def _login(client: Any, user: Any) -> None:
    res = client.post("/login", data={"username": user.username, "password": user.password}, follow_redirects=False)
    assert res.status_code == 303


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


@pytest.fixture
def two(runtime: Any) -> tuple[str, str]:
    return (register(runtime, name_zh="宁波自家有限公司", name_en="Own Co.", registered_on=date(2020, 1, 1)),
            register(runtime, name_zh="宁波别家有限公司", name_en="Other Co.", registered_on=date(2020, 1, 1)))


def test_anonymous_visitors_are_sent_to_login(client: Any) -> None:
    res = client.get("/enterprises", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"].startswith("/login")


def test_officer_sees_the_registry_in_chinese_and_english(client: Any, make_user: Any, two: Any) -> None:
    _login(client, make_user("inspector"))
    zh = client.get("/enterprises")
    assert zh.status_code == 200 and "企业名录" in zh.text and "宁波自家有限公司" in zh.text
    assert 'href="/enterprises"' in zh.text  # nav entry
    client.cookies.set(LOCALE_COOKIE, "en")
    en = client.get("/enterprises", params={"q": "Other"})
    assert "Enterprise registry" in en.text and "Other Co." in en.text and "Own Co." not in en.text
    assert "General credit" in en.text


def test_enterprise_user_is_sent_to_its_own_page(client: Any, make_user: Any, two: Any) -> None:
    own, _ = two
    _login(client, make_user("enterprise_user", enterprise_id=own))
    res = client.get("/enterprises", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == f"/enterprises/{own}"
    page = client.get(f"/enterprises/{own}")
    assert page.status_code == 200 and "宁波自家有限公司" in page.text and "信用等级历史" in page.text
    assert 'data-testid="grade-form"' not in page.text


def test_enterprise_user_cannot_open_another_enterprises_page(client: Any, make_user: Any, two: Any) -> None:
    own, other = two
    _login(client, make_user("broker", enterprise_id=own))
    res = client.get(f"/enterprises/{other}")
    assert res.status_code == 404 and "宁波别家有限公司" not in res.text


def test_enterprise_user_cannot_change_a_grade_by_form(client: Any, make_user: Any, two: Any) -> None:
    own, other = two
    _login(client, make_user("enterprise_user", enterprise_id=own))
    token = _csrf(client.get(f"/enterprises/{own}").text)
    form = {"csrf_token": token, "grade": "advanced_certified", "effective_from": "2026-11-01", "reason": "x"}
    assert client.post(f"/enterprises/{own}/credit-grades", data=form, follow_redirects=False).status_code == 403
    assert client.post(f"/enterprises/{other}/credit-grades", data=form, follow_redirects=False).status_code == 404


def test_risk_officer_changes_a_grade_by_form(client: Any, make_user: Any, two: Any) -> None:
    own, _ = two
    _login(client, make_user("risk_officer"))
    page = client.get(f"/enterprises/{own}")
    assert 'data-testid="grade-form"' in page.text
    token = _csrf(page.text)
    bad = client.post(f"/enterprises/{own}/credit-grades", data={
        "csrf_token": token, "grade": "advanced_certified", "effective_from": "2026-11-01", "reason": ""})
    assert bad.status_code == 422 and 'data-testid="reason-error"' in bad.text and "必填项" in bad.text
    ok = client.post(f"/enterprises/{own}/credit-grades", data={
        "csrf_token": token, "grade": "advanced_certified", "effective_from": "2026-11-01", "reason": "AEO 认证"},
        follow_redirects=False)
    assert ok.status_code == 303
    after = client.get(ok.headers["location"])
    assert "信用等级已记录" in after.text and "高级认证企业" in after.text and "AEO 认证" in after.text


def test_admin_registers_by_form_and_sees_every_field_error(client: Any, make_user: Any) -> None:
    from tests.enterprise_data import customs_code, uscc

    _login(client, make_user("admin"))
    client.cookies.set(LOCALE_COOKIE, "en")
    page = client.get("/enterprises/new")
    assert page.status_code == 200 and "3104 Beilun Customs" in page.text
    token = _csrf(page.text)
    bad = client.post("/enterprises/new", data={"csrf_token": token, "uscc": "123", "customs_code": "",
                                                "name_zh": "", "kind": "trader", "registered_customs": "",
                                                "credit_grade": "general"})
    assert bad.status_code == 422
    for name in ("uscc", "customs_code", "name_zh", "registered_customs"):
        assert f'data-testid="error-{name}"' in bad.text
    assert "A unified social credit code has 18 characters" in bad.text
    form = {"csrf_token": token, "uscc": uscc(700), "customs_code": customs_code(700), "name_zh": "宁波表单有限公司",
            "kind": "broker", "registered_customs": "3104", "credit_grade": "general", "registered_on": "2024-05-06"}
    ok = client.post("/enterprises/new", data=form, follow_redirects=False)
    assert ok.status_code == 303
    assert "宁波表单有限公司" in client.get(ok.headers["location"]).text
    again = client.post("/enterprises/new", data={**form, "customs_code": customs_code(701)})
    assert again.status_code == 409 and 'data-testid="error-uscc"' in again.text


@pytest.mark.parametrize("role", ["enterprise_user", "inspector"])
def test_only_admins_get_the_registration_form(client: Any, make_user: Any, two: Any, role: str) -> None:
    _login(client, make_user(role, enterprise_id=two[0]) if role == "enterprise_user" else make_user(role))
    assert client.get("/enterprises/new").status_code == 403
    token = _csrf(client.get(f"/enterprises/{two[0]}").text)
    assert client.post("/enterprises/new", data={"csrf_token": token}).status_code == 403
