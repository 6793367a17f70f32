"""The declarations pages: list with filters and HTMX paging, detail with timeline, audit trail and actions."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from tests.unit.declarations.factories import TRADER, as_json, line, submission


def login(client: Any, user: Any) -> str:
    client.post("/login", data={"username": user.username, "password": user.password}, follow_redirects=False)
    html = client.get("/declarations").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_list_page_filters_and_htmx_partial(client: Any, make_user: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    for i in range(1, 4):
        client.post("/api/v1/declarations", json=as_json(submission(i)), headers=trader.headers)
    html = client.get("/declarations", headers=trader.headers).text
    assert html.count('data-testid="declaration-row"') == 3 and "<html" in html
    assert "报关单" in html
    partial = client.get("/declarations?status=inspection_ordered", headers={**trader.headers, "HX-Request": "true"})
    assert "<html" not in partial.text and 'data-testid="declaration-empty"' in partial.text
    english = client.get("/declarations", headers={**trader.headers, "Accept-Language": "en"}).text
    assert "Declarations" in english and "Released" in english


def test_detail_page_and_officer_action_form(client: Any, make_user: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    cmd = replace(submission(), items=(line(hs_code="9701100000"),))
    decl_id = client.post("/api/v1/declarations", json=as_json(cmd), headers=trader.headers).json()["id"]
    html = client.get(f"/declarations/{decl_id}", headers=trader.headers).text
    assert html.count('data-testid="timeline-stage"') == 4 and 'data-testid="audit-trail"' in html
    assert 'data-rule="sensitive_chapter"' in html and 'data-testid="declaration-actions"' not in html
    inspector = make_user("inspector", org_unit="3104")
    token = login(client, inspector)
    page = client.get(f"/declarations/{decl_id}").text
    assert 'data-testid="action-record_inspection"' in page
    res = client.post(f"/declarations/{decl_id}/actions/record_inspection",
                      data={"csrf_token": token, "result": "conform", "note": ""}, follow_redirects=False)
    assert res.status_code == 303
    assert client.post(f"/declarations/{decl_id}/actions/release", data={}).status_code == 403  # no CSRF token
    page = client.get(f"/declarations/{decl_id}").text
    assert 'data-status="inspected"' in page and 'data-testid="action-release"' in page


def test_anonymous_visitors_are_sent_to_login(client: Any) -> None:
    res = client.get("/declarations", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"].startswith("/login")
