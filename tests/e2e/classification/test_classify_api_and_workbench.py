"""POST /api/v1/classify (single, batch, field errors in both languages), decisions by role, the workbench."""

from __future__ import annotations

import re
from typing import Any

from smartcustoms.platform.audit import audit_log


def test_single_item(client: Any, make_user: Any, installed: Any) -> None:
    user = make_user("enterprise_user", enterprise_id="E1")
    res = client.post("/api/v1/classify", json={"name": "笔记本电脑", "spec": "联想 14英寸"}, headers=user.headers)
    assert res.status_code == 200, res.text
    body = res.json()
    top = body["suggestions"][0]
    assert top["code"] == "847130" and top["chapter"] == "84" and top["heading"] == "8471"
    assert 0 <= top["confidence"] <= 1 and top["description"] and body["neighbours"]
    assert [s["confidence"] for s in body["suggestions"]] == sorted((s["confidence"] for s in body["suggestions"]),
                                                                     reverse=True)


def test_batch_and_bad_text(client: Any, make_user: Any, installed: Any) -> None:
    user = make_user("broker", enterprise_id="E1")
    items = [{"name": "mobile phone"}, {"name": "😀😀😀"}, {"name": "x" * 10_000, "spec": "y" * 10_000},
             {"name": "бзхщ кдлжфы"}] * 10
    res = client.post("/api/v1/classify", json={"items": items, "k": 2, "explain": False}, headers=user.headers)
    assert res.status_code == 200, res.text
    results = res.json()["results"]
    assert len(results) == 40 and results[0]["suggestions"][0]["code"] == "851713"
    assert results[1]["needs_detail"] and results[1]["suggestions"] == []
    assert "truncated" in results[2]["reasons"] and results[3]["needs_detail"]


def test_field_errors_in_both_languages(client: Any, make_user: Any, installed: Any) -> None:
    user = make_user("inspector")
    res = client.post("/api/v1/classify", json={"name": "  "}, headers=user.headers)
    assert res.status_code == 422
    err = res.json()["errors"][0]
    assert err["field"] == "name" and err["messages"] == {"zh-CN": "必填项", "en": "This field is required"}
    res = client.post("/api/v1/classify", json={"items": [{"name": "a"}, {"spec": "b"}]}, headers=user.headers)
    assert res.status_code == 422 and res.json()["errors"][0]["field"].startswith("items.1")
    res = client.post("/api/v1/classify", json={"items": [{"name": "a"}] * 501}, headers=user.headers)
    assert res.status_code == 422
    res = client.post("/api/v1/classify", json={"name": "a" * 10_001}, headers={**user.headers,
                                                                             "Accept-Language": "en"})
    assert res.status_code == 422 and "At most" in res.json()["errors"][0]["message"]


def test_roles_on_decisions(client: Any, make_user: Any, runtime: Any) -> None:
    body = {"name": "电动滑板车", "spec": "36V", "predicted_code": "950300", "confirmed_code": "871160"}
    assert client.post("/api/v1/classify", json={"name": "手机"}).status_code == 401
    assert client.post("/api/v1/classify/decisions", json=body).status_code == 401
    ent = make_user("enterprise_user", enterprise_id="E1")
    assert client.post("/api/v1/classify/decisions", json=body, headers=ent.headers).status_code == 403
    officer = make_user("risk_officer")
    res = client.post("/api/v1/classify/decisions", json=body, headers=officer.headers)
    assert res.status_code == 201 and res.json()["kind"] == "correct"
    with runtime.engine.connect() as conn:
        actions = [r.action for r in conn.execute(audit_log.select())]
    assert "classification.correct" in actions


def _login(client: Any, user: Any) -> str:
    client.post("/login", data={"username": user.username, "password": user.password}, follow_redirects=False)
    html = client.get("/classification").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_workbench_page_suggest_confirm_and_lookup(client: Any, make_user: Any, installed: Any) -> None:
    assert client.get("/classification", follow_redirects=False).status_code == 303
    officer = make_user("inspector")
    token = _login(client, officer)
    page = client.get("/classification", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Classification workbench" in page.text
    frag = client.post("/classification/suggest", data={"name": "手机", "spec": "华为", "csrf_token": token},
                       headers={"HX-Request": "true"})
    assert frag.status_code == 200 and 'data-code="851713"' in frag.text and "confirmed_code" in frag.text
    done = client.post("/classification/decide", data={"name": "手机", "spec": "华为", "predicted_code": "851713",
                                                       "confirmed_code": "851713", "csrf_token": token},
                       headers={"HX-Request": "true"})
    assert done.status_code == 200 and 'data-testid="decided"' in done.text
    assert "851713" in client.get("/classification").text
    assert client.post("/classification/decide", data={"name": "手机", "confirmed_code": "851713"}).status_code == 403
    look = client.get("/classification/lookup", params={"q": "8471"}, headers={"HX-Request": "true"})
    assert "847130" in look.text
    vague = client.post("/classification/suggest", data={"name": "😀", "csrf_token": token},
                        headers={"HX-Request": "true"})
    assert 'data-testid="needs-detail"' in vague.text


def test_anonymous_visitors_are_sent_to_login_on_every_page(client: Any) -> None:
    for method, path in (("get", "/classification"), ("post", "/classification/suggest"),
                         ("post", "/classification/decide"), ("get", "/classification/lookup?q=8471")):
        res = getattr(client, method)(path, follow_redirects=False)
        assert res.status_code == 303 and res.headers["location"].startswith("/login"), path


def test_enterprise_users_see_suggestions_but_no_decision_forms(client: Any, make_user: Any, runtime: Any,
                                                                installed: Any) -> None:
    from smartcustoms.capabilities.classification import services
    from smartcustoms.capabilities.classification.commands import RecordDecision
    from smartcustoms.platform.identity.model import Principal, Role

    officer = Principal("u1", "officer.wang", "王", frozenset({Role.INSPECTOR}), org_unit="3104")
    services.do_record_decision(runtime, officer, RecordDecision("某企业的秘密新品", "X1", "851713"))
    token = _login(client, make_user("enterprise_user", enterprise_id="E1"))
    assert "某企业的秘密新品" not in client.get("/classification").text
    frag = client.post("/classification/suggest", data={"name": "手机", "csrf_token": token},
                       headers={"HX-Request": "true"})
    assert frag.status_code == 200 and 'data-code="851713"' in frag.text and "confirmed_code" not in frag.text
    res = client.post("/classification/decide", data={"name": "手机", "confirmed_code": "851713", "csrf_token": token},
                      headers={"HX-Request": "true"})
    assert res.status_code == 403
