"""Only administrators manage users; a deactivated user's token stops working at once."""

from __future__ import annotations

from typing import Any

import pytest

NEW = {"username": "inspector.new", "display_name": "新关员", "password": "a long password",
       "roles": ["inspector"], "org_unit": "3104"}


def test_admin_creates_and_deactivates_a_user(client: Any, make_user: Any) -> None:
    admin = make_user("admin", org_unit="0000")
    res = client.post("/api/v1/users", json=NEW, headers=admin.headers)
    assert res.status_code == 201 and res.json()["roles"] == ["inspector"]
    token = client.post("/api/v1/auth/token", json={"username": NEW["username"], "password": NEW["password"]})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 200
    assert client.post(f"/api/v1/users/{res.json()['id']}/deactivate", headers=admin.headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert client.post("/api/v1/users", json=NEW, headers=admin.headers).status_code == 409


def test_bad_user_fields_are_reported_per_field(client: Any, make_user: Any) -> None:
    admin = make_user("admin", org_unit="0000")
    res = client.post("/api/v1/users", json={**NEW, "roles": ["inspector", "wizard"], "org_unit": "9999"},
                      headers=admin.headers)
    assert res.status_code == 422
    assert [e["field"] for e in res.json()["errors"]] == ["roles.1", "org_unit"]
    res = client.post("/api/v1/users", json={**NEW, "password": "short"}, headers=admin.headers)
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "password"
    assert res.json()["errors"][0]["messages"]["en"].startswith("The password needs at least 10")


@pytest.mark.parametrize("role", ["enterprise_user", "broker", "inspector", "risk_officer", "section_chief",
                                  "auditor", "monitoring_officer", "image_reviewer"])
def test_no_one_but_an_administrator_may_list_create_or_deactivate(client: Any, make_user: Any, role: str) -> None:
    kwargs = {"enterprise_id": "E1"} if role in ("enterprise_user", "broker") else {}
    user = make_user(role, **kwargs)
    assert client.get("/api/v1/users", headers=user.headers).status_code == 403
    assert client.post("/api/v1/users", json=NEW, headers=user.headers).status_code == 403
    assert client.post(f"/api/v1/users/{user.user_id}/deactivate", headers=user.headers).status_code == 403
