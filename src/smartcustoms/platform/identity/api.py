"""Administration of users over the API (administrators only): list, create, deactivate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select, update

from smartcustoms.kernel.errors import FieldError, NotFound, ValidationFailed
from smartcustoms.platform.http import actor_of, get_runtime, require
from smartcustoms.platform.identity import services
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.identity.tables import org_units, users

router = APIRouter(prefix="/api/v1/users", tags=["users"])
ADMIN = require(Role.ADMIN)


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)
    roles: list[str] = Field(min_length=1)
    enterprise_id: str | None = Field(default=None, max_length=36)
    org_unit: str | None = Field(default=None, max_length=16)


def _public(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "username": row["username"], "display_name": row["display_name"],
            "roles": row["roles"], "enterprise_id": row["enterprise_id"], "org_unit": row["org_unit"],
            "active": row["active"]}


@router.get("")
def list_users(request: Request, who: Principal = ADMIN) -> list[dict[str, Any]]:
    with get_runtime(request).engine.connect() as conn:
        return [_public(r) for r in conn.execute(select(users).order_by(users.c.username)).mappings()]


@router.post("", status_code=201)
def create_user(request: Request, body: UserIn, who: Principal = ADMIN) -> dict[str, Any]:
    runtime = get_runtime(request)
    errors = [FieldError(f"roles.{i}", "field.invalid") for i, r in enumerate(body.roles)
              if r not in Role.__members__.values()]
    with runtime.uow(actor_of(who)) as uow:
        if body.org_unit and not uow.conn.execute(select(org_units.c.code).where(
                org_units.c.code == body.org_unit)).first():
            errors.append(FieldError("org_unit", "field.unknown_code", {"value": body.org_unit}))
        if errors:
            raise ValidationFailed(errors)
        user_id = services.do_create_user(uow, services.NewUser(
            body.username, body.display_name, body.password, frozenset(Role(r) for r in body.roles),
            body.enterprise_id, body.org_unit))
        uow.commit()
    with runtime.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id)).mappings().one()
    return _public(row)


@router.post("/{user_id}/deactivate")
def deactivate_user(request: Request, user_id: str, who: Principal = ADMIN) -> dict[str, Any]:
    runtime = get_runtime(request)
    with runtime.uow(actor_of(who)) as uow:
        row = uow.conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
        if row is None:
            raise NotFound("error.not_found")
        uow.conn.execute(update(users).where(users.c.id == user_id).values(active=False))
        uow.record("identity.user_deactivated", "user", user_id, before={"active": row["active"]},
                   after={"active": False}, tenant=row["enterprise_id"])
        uow.commit()
    return {"id": user_id, "active": False}
