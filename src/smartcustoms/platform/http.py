"""HTTP edge helpers every capability's `api.py` and `pages.py` use: the runtime, the caller's locale,
authentication (API bearer token or page session cookie), role checks, CSRF and page rendering."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from smartcustoms.kernel.errors import DomainError, NotAuthenticated, PermissionDenied
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.i18n import pick_locale
from smartcustoms.platform.identity import services as identity
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime

SESSION_COOKIE = "sc_session"
LOCALE_COOKIE = "sc_lang"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class LoginRequired(DomainError):
    """A page needs a logged-in user; the web layer redirects to the login page."""

    status = 401


class CsrfFailed(DomainError):
    status = 403


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def locale(request: Request) -> str:
    runtime = get_runtime(request)
    return pick_locale(request.headers.get("accept-language"), request.cookies.get(LOCALE_COOKIE),
                       runtime.settings.default_locale)


async def _authenticate(request: Request) -> tuple[Principal, str | None]:
    """Return the principal and, for cookie sessions, the session's CSRF token."""
    cached = getattr(request.state, "auth", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    runtime = get_runtime(request)
    now = runtime.clock.now()
    header = request.headers.get("authorization", "")
    result: tuple[Principal, str | None] | None = None
    with runtime.engine.connect() as conn:
        if header.lower().startswith("bearer "):
            principal = identity.principal_for_token(conn, now, header[7:].strip())
            if principal is not None:
                result = (principal, None)
        elif (sid := request.cookies.get(SESSION_COOKIE)) is not None:
            session = identity.load_session(conn, now, sid)
            if session is not None:
                result = (session.principal, session.csrf_token)
    if result is None:
        raise NotAuthenticated("error.not_authenticated")
    if result[1] is not None and request.method in UNSAFE:
        await _check_csrf(request, result[1])
    request.state.auth = result
    return result


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, expected):
        raise CsrfFailed("error.csrf")


async def principal(request: Request) -> Principal:
    """Dependency: the authenticated caller (401 if none)."""
    return (await _authenticate(request))[0]


async def page_principal(request: Request) -> Principal:
    """Dependency for pages: like `principal`, but an anonymous visitor is sent to the login page."""
    try:
        return (await _authenticate(request))[0]
    except NotAuthenticated:
        raise LoginRequired("error.not_authenticated") from None


def require(*roles: Role, page: bool = False) -> Any:
    """Dependency factory: the caller must hold at least one of `roles`."""
    base = page_principal if page else principal

    async def dependency(who: Principal = Depends(base)) -> Principal:
        if not who.has(*roles):
            raise PermissionDenied("error.forbidden")
        return who

    return Depends(dependency)


def actor_of(who: Principal) -> Actor:
    return Actor(id=who.user_id, name=who.username)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _session_if_any(request: Request) -> tuple[Principal, str] | None:
    """Pages that do not require login (the login page itself) still show who is logged in."""
    sid = request.cookies.get(SESSION_COOKIE)
    if not sid:
        return None
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        session = identity.load_session(conn, runtime.clock.now(), sid)
    return (session.principal, session.csrf_token) if session else None


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the locale, translator, caller, CSRF token and navigation in the context."""
    runtime = get_runtime(request)
    loc = locale(request)
    auth = getattr(request.state, "auth", None) or _session_if_any(request)
    ctx = {
        "request": request, "locale": loc, "runtime": runtime,
        "t": lambda key, **params: runtime.translator.t(key, loc, **params),
        "who": auth[0] if auth else None, "csrf_token": auth[1] if auth else "",
        "nav": [(path, zh if loc == "zh-CN" else en) for cap in runtime.capabilities for path, zh, en in cap.nav],
        **context,
    }
    return request.app.state.templates.TemplateResponse(request, template, ctx, status_code=status_code)
