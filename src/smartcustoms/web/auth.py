"""Login, logout, language switch (pages) and token issue / who-am-I (API)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from smartcustoms.kernel.errors import DomainError
from smartcustoms.platform.http import (
    LOCALE_COOKIE,
    SESSION_COOKIE,
    actor_of,
    client_ip,
    get_runtime,
    principal,
    render,
)
from smartcustoms.platform.identity import services as identity
from smartcustoms.platform.identity.model import Principal

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@pages.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None, username="")


@pages.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")) -> Response:
    runtime = get_runtime(request)
    settings = runtime.settings
    now = runtime.clock.now()
    try:
        who = identity.authenticate(runtime.engine, now, username.strip(), password, client_ip(request),
                                    max_failures=settings.login_max_failures, window_s=settings.login_window_s)
    except DomainError as exc:
        if exc.status not in (401, 429):
            raise
        error = runtime.translator.t(exc.key, _loc(request), **exc.params)
        return render(request, "login.html", status_code=exc.status, next=_safe_next(next), error=error,
                      username=username)
    with runtime.uow(actor_of(who)) as uow:
        session_id, _csrf = identity.open_session(uow.conn, now, who.user_id, settings.session_max_age_s)
        uow.record("identity.login", "user", who.user_id, after={"ip": client_ip(request)}, tenant=who.enterprise_id)
        uow.commit()
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, session_id, max_age=settings.session_max_age_s, httponly=True,
                        samesite="lax", secure=settings.secure_cookies, path="/")
    return response


def _loc(request: Request) -> str:
    from smartcustoms.platform.http import locale

    return locale(request)


@pages.post("/logout")
def logout(request: Request, who: Principal = Depends(principal)) -> Response:
    runtime = get_runtime(request)
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        with runtime.uow(actor_of(who)) as uow:
            identity.close_session(uow.conn, sid)
            uow.record("identity.logout", "user", who.user_id, tenant=who.enterprise_id)
            uow.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@pages.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in ("zh-CN", "en"):
        response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@api.post("/token", response_model=TokenResponse)
def token(request: Request, body: TokenRequest) -> TokenResponse:
    """Exchange a user name and password for a bearer token (rate limited like the login page)."""
    runtime = get_runtime(request)
    settings, now = runtime.settings, runtime.clock.now()
    who = identity.authenticate(runtime.engine, now, body.username, body.password, client_ip(request),
                                max_failures=settings.login_max_failures, window_s=settings.login_window_s)
    with runtime.uow(actor_of(who)) as uow:
        raw = identity.issue_token(uow.conn, now, who.user_id, "api", settings.token_ttl_s)
        uow.record("identity.token_issued", "user", who.user_id, after={"ip": client_ip(request)},
                   tenant=who.enterprise_id)
        uow.commit()
    return TokenResponse(access_token=raw, expires_in=settings.token_ttl_s)


@api.get("/me")
def me(who: Principal = Depends(principal)) -> dict[str, Any]:
    return {"user_id": who.user_id, "username": who.username, "display_name": who.display_name,
            "roles": sorted(who.roles), "enterprise_id": who.enterprise_id, "org_unit": who.org_unit}
