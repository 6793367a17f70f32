"""Identity services: users, password login with rate limiting, API tokens, page sessions."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, and_, delete, func, select, update

from smartcustoms.kernel.errors import Conflict, FieldError, NotAuthenticated, TooManyRequests, collect
from smartcustoms.platform.identity.model import ENTERPRISE_ROLES, OrgLevel, Principal, Role
from smartcustoms.platform.identity.tables import api_tokens, login_attempts, org_units, users, web_sessions
from smartcustoms.platform.uow import UnitOfWork

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not reveal valid user names.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- organisation tree ---------------------------------------------------------------------------------------
def upsert_org_unit(conn: Connection, code: str, name_zh: str, name_en: str, level: OrgLevel,
                    parent_code: str | None) -> None:
    row = {"name_zh": name_zh, "name_en": name_en, "level": level.value, "parent_code": parent_code}
    if conn.execute(select(org_units.c.code).where(org_units.c.code == code)).first():
        conn.execute(update(org_units).where(org_units.c.code == code).values(**row))
    else:
        conn.execute(org_units.insert().values(code=code, **row))


def customs_scope(conn: Connection, org_unit: str | None) -> frozenset[str] | None:
    """The unit's code and every code below it; None for the GACC (the whole service)."""
    if org_unit is None:
        return frozenset()
    rows = conn.execute(select(org_units.c.code, org_units.c.parent_code, org_units.c.level)).all()
    level = {r.code: r.level for r in rows}
    if level.get(org_unit) == OrgLevel.GACC:
        return None
    children: dict[str | None, list[str]] = {}
    for r in rows:
        children.setdefault(r.parent_code, []).append(r.code)
    parent = {r.code: r.parent_code for r in rows}
    scope: set[str] = set()
    if level.get(org_unit) == OrgLevel.SITE and parent.get(org_unit):
        scope.add(str(parent[org_unit]))  # a site works on its customs office's declarations
    stack = [org_unit]
    while stack:
        code = stack.pop()
        scope.add(code)
        stack.extend(children.get(code, ()))
    return frozenset(scope)


# --- users ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    password: str
    roles: frozenset[Role]
    enterprise_id: str | None = None
    org_unit: str | None = None


def check_new_user(cmd: NewUser) -> None:
    errors: list[FieldError] = []
    if not cmd.username or len(cmd.username) > 64 or not cmd.username.replace("_", "").replace(".", "").isalnum():
        errors.append(FieldError("username", "field.invalid"))
    if len(cmd.password) < 10:
        errors.append(FieldError("password", "identity.password_too_short", {"min": 10}))
    if not cmd.roles:
        errors.append(FieldError("roles", "field.required"))
    enterprise_roles = cmd.roles & ENTERPRISE_ROLES
    if enterprise_roles and cmd.roles - ENTERPRISE_ROLES:
        errors.append(FieldError("roles", "identity.mixed_roles"))
    if enterprise_roles and not cmd.enterprise_id:
        errors.append(FieldError("enterprise_id", "identity.enterprise_required"))
    if not enterprise_roles and not cmd.org_unit:
        errors.append(FieldError("org_unit", "identity.org_unit_required"))
    collect(errors)


def do_create_user(uow: UnitOfWork, cmd: NewUser) -> str:
    check_new_user(cmd)
    if uow.conn.execute(select(users.c.id).where(users.c.username == cmd.username)).first():
        raise Conflict("identity.username_taken", username=cmd.username)
    user_id = str(uuid.uuid4())
    roles = sorted(r.value for r in cmd.roles)
    uow.conn.execute(users.insert().values(
        id=user_id, username=cmd.username, display_name=cmd.display_name,
        password_hash=hash_password(cmd.password), roles=roles, enterprise_id=cmd.enterprise_id,
        org_unit=cmd.org_unit, active=True, created_at=uow.now))
    uow.record("identity.user_created", "user", user_id, after={
        "username": cmd.username, "roles": roles, "enterprise_id": cmd.enterprise_id, "org_unit": cmd.org_unit},
        tenant=cmd.enterprise_id)
    return user_id


def principal_for_user(conn: Connection, user_id: str) -> Principal | None:
    row = conn.execute(select(users).where(users.c.id == user_id, users.c.active.is_(True))).mappings().first()
    if row is None:
        return None
    roles = frozenset(Role(r) for r in row["roles"])
    scope = None if roles & ENTERPRISE_ROLES else customs_scope(conn, row["org_unit"])
    return Principal(user_id=row["id"], username=row["username"], display_name=row["display_name"],
                     roles=roles, enterprise_id=row["enterprise_id"], org_unit=row["org_unit"],
                     customs_scope=scope)


# --- password login, rate limited ----------------------------------------------------------------------------
def authenticate(engine: Engine, now: datetime, username: str, password: str, ip: str, *,
                 max_failures: int = 5, window_s: int = 300) -> Principal:
    """Check a password. After `max_failures` failures for one user name (or 4× that from one address) within
    the window, refuse further tries with 429 until the window has passed. Every try is recorded, in its own
    transaction, so a failure counts even though the caller sees an error."""
    with engine.begin() as conn:
        return _authenticate(conn, now, username, password, ip, max_failures, window_s)


def _authenticate(conn: Connection, now: datetime, username: str, password: str, ip: str, max_failures: int,
                  window_s: int) -> Principal:
    since = now - timedelta(seconds=window_s)
    failures = conn.execute(select(func.count()).select_from(login_attempts).where(
        login_attempts.c.username == username, login_attempts.c.at >= since,
        login_attempts.c.success.is_(False))).scalar_one()
    ip_failures = conn.execute(select(func.count()).select_from(login_attempts).where(
        login_attempts.c.ip == ip, login_attempts.c.at >= since, login_attempts.c.success.is_(False))).scalar_one()
    if failures >= max_failures or ip_failures >= 4 * max_failures:
        raise TooManyRequests("error.too_many_logins", seconds=window_s)
    row = conn.execute(select(users.c.id, users.c.password_hash).where(
        users.c.username == username, users.c.active.is_(True))).first()
    ok = _verify(row.password_hash if row else _DUMMY_HASH, password) and row is not None
    conn.execute(login_attempts.insert().values(username=username[:64], ip=ip[:64], at=now, success=ok))
    if not ok or row is None:
        conn.commit()  # keep the failed attempt: it is what the rate limit counts
        raise NotAuthenticated("error.bad_credentials")
    principal = principal_for_user(conn, row.id)
    assert principal is not None
    return principal


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# --- API bearer tokens ---------------------------------------------------------------------------------------
def issue_token(conn: Connection, now: datetime, user_id: str, name: str, ttl_s: int) -> str:
    """Return a new bearer token; only its SHA-256 is stored, so the raw value is shown once."""
    raw = "sc_" + secrets.token_urlsafe(32)
    conn.execute(api_tokens.insert().values(token_hash=_sha(raw), user_id=user_id, name=name[:64],
                                            created_at=now, expires_at=now + timedelta(seconds=ttl_s)))
    return raw


def principal_for_token(conn: Connection, now: datetime, raw: str) -> Principal | None:
    row = conn.execute(select(api_tokens.c.user_id).where(
        api_tokens.c.token_hash == _sha(raw), api_tokens.c.expires_at > now,
        api_tokens.c.revoked_at.is_(None))).first()
    return principal_for_user(conn, row.user_id) if row else None


def revoke_token(conn: Connection, now: datetime, raw: str) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.token_hash == _sha(raw)).values(revoked_at=now))


# --- page sessions -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WebSession:
    session_id: str
    csrf_token: str
    principal: Principal


def open_session(conn: Connection, now: datetime, user_id: str, max_age_s: int) -> tuple[str, str]:
    """Return (session id for the cookie, CSRF token for forms). Only the id's hash is stored."""
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    conn.execute(web_sessions.insert().values(id_hash=_sha(session_id), user_id=user_id, csrf_token=csrf,
                                              created_at=now, expires_at=now + timedelta(seconds=max_age_s)))
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))
    return session_id, csrf


def load_session(conn: Connection, now: datetime, session_id: str) -> WebSession | None:
    row = conn.execute(select(web_sessions.c.user_id, web_sessions.c.csrf_token).where(
        and_(web_sessions.c.id_hash == _sha(session_id), web_sessions.c.expires_at > now))).first()
    if row is None:
        return None
    principal = principal_for_user(conn, row.user_id)
    return WebSession(session_id, row.csrf_token, principal) if principal else None


def close_session(conn: Connection, session_id: str) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == _sha(session_id)))


def user_summary(conn: Connection, user_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(users.c.id, users.c.username, users.c.display_name, users.c.roles,
                              users.c.enterprise_id, users.c.org_unit).where(users.c.id == user_id)).mappings().first()
    return dict(row) if row else None
