"""Login for pages (argon2, session cookie, CSRF), bearer tokens for the API, login rate limiting."""

from __future__ import annotations

import re
from typing import Any

from smartcustoms.platform.http import SESSION_COOKIE


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page carries a CSRF token"
    return match.group(1)


def test_token_and_me(client: Any, make_user: Any) -> None:
    user = make_user("inspector", org_unit="3104")
    res = client.post("/api/v1/auth/token", json={"username": user.username, "password": user.password})
    assert res.status_code == 200
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {res.json()['access_token']}"})
    assert me.json()["roles"] == ["inspector"] and me.json()["org_unit"] == "3104"


def test_api_without_or_with_a_bad_token_is_refused_in_both_languages(client: Any) -> None:
    res = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer nope"})
    assert res.status_code == 401
    assert res.json()["messages"] == {"zh-CN": "请先登录", "en": "Please log in"}


def test_page_login_sets_a_httponly_session_cookie(client: Any, make_user: Any) -> None:
    user = make_user("auditor")
    res = client.post("/login", data={"username": user.username, "password": user.password, "next": "/healthz"},
                      follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/healthz"
    cookie = res.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/api/v1/auth/me").json()["username"] == user.username


def test_login_never_redirects_off_site(client: Any, make_user: Any) -> None:
    user = make_user("auditor")
    res = client.post("/login", data={"username": user.username, "password": user.password,
                                      "next": "https://evil.example/"}, follow_redirects=False)
    assert res.headers["location"] == "/"


def test_a_form_post_without_the_csrf_token_is_refused(client: Any, make_user: Any) -> None:
    user = make_user("auditor")
    client.post("/login", data={"username": user.username, "password": user.password}, follow_redirects=False)
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    html = client.get("/login").text  # any page rendered for the logged-in user carries the token
    token = _csrf(html)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/auth/me").status_code == 401


def test_wrong_password_then_rate_limit(client: Any, make_user: Any, runtime: Any) -> None:
    user = make_user("inspector")
    limit = runtime.settings.login_max_failures
    for _ in range(limit):
        res = client.post("/login", data={"username": user.username, "password": "wrong password"})
        assert res.status_code == 401
        assert "用户名或密码错误" in res.text
    # even the right password is refused while the window lasts
    res = client.post("/login", data={"username": user.username, "password": user.password})
    assert res.status_code == 429
    api = client.post("/api/v1/auth/token", json={"username": user.username, "password": user.password},
                      headers={"Accept-Language": "en"})
    assert api.status_code == 429 and "Too many failed logins" in api.json()["message"]
    runtime.clock.advance(seconds=runtime.settings.login_window_s + 1)
    res = client.post("/login", data={"username": user.username, "password": user.password},
                      follow_redirects=False)
    assert res.status_code == 303


def test_pages_redirect_anonymous_visitors_to_login(client: Any) -> None:
    res = client.get("/", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"].startswith("/login?next=")


def test_language_switch(client: Any) -> None:
    assert "Log in" in client.get("/login", headers={"Accept-Language": "en"}).text
    client.get("/lang/zh-CN")
    assert "登录" in client.get("/login", headers={"Accept-Language": "en"}).text
