"""Manifest risk (舱单风险): lock and unlock a manifest (舱单加解锁). While a manifest is locked, none of its
declarations may be released — the port ``declarations.release_guard`` (`ManifestGuard`) tells the declarations
capability so for every release step (automatic or an officer's). Unlocking releases the declarations that
were waiting only for it (screened into the release channel). Locks come from a risk officer or section chief
(with a reason) or from an active manifest rule (``"lock_manifest": true``, the rule's reason); every lock and
unlock is audited."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, update

import smartcustoms.capabilities.declarations.queries as declarations_queries
from smartcustoms.capabilities.declarations.commands import TransitionDeclaration
from smartcustoms.capabilities.risk import db
from smartcustoms.kernel.errors import Conflict, DomainError, FieldError, NotFound, PermissionDenied, collect
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime
from smartcustoms.platform.uow import UnitOfWork

SUBJECT = "manifest"
LOCKERS = (Role.RISK_OFFICER, Role.SECTION_CHIEF, Role.ADMIN)
READERS = (*LOCKERS, Role.AUDITOR)
LIFECYCLE = "declarations.lifecycle"


class ManifestGuard:
    """Port ``declarations.release_guard``: a declaration whose linked manifest is locked is not released."""

    def blocked(self, conn: Connection, declaration: Any) -> tuple[str, dict[str, str]] | None:
        manifest_id = declarations_queries.manifest_of_bill(conn, declaration.get("manifest_bill_id"))
        if manifest_id is None:
            return None
        locks = db.active_locks(conn, [manifest_id])
        if not locks:
            return None
        return "risk.manifest.locked", {"number": locks[0]["manifest_number"], "reason": locks[0]["reason"]}


def _may(who: Principal, roles: tuple[Role, ...]) -> None:
    if not who.is_customs or not who.has(*roles):
        raise PermissionDenied("error.forbidden")


def _manifest(conn: Connection, who: Principal, number: str) -> Any:
    manifest = declarations_queries.find_manifest(conn, number)
    if manifest is None or not who.covers_customs(manifest.port_code):
        raise NotFound("risk.manifest.not_found")
    return manifest


def lock_in(uow: UnitOfWork, who: Principal, manifest_id: str, reason: str, *, rule_id: str | None = None) -> str:
    manifest = declarations_queries.get_manifest(uow.conn, manifest_id)
    if manifest is None:
        raise NotFound("risk.manifest.not_found")
    if db.active_locks(uow.conn, [manifest_id]):
        raise Conflict("risk.manifest.already_locked", number=manifest.number)
    lock_id = uuid.uuid4().hex
    uow.conn.execute(db.risk_manifest_locks.insert().values(
        id=lock_id, manifest_id=manifest_id, manifest_number=manifest.number, port_code=manifest.port_code,
        reason=reason, rule_id=rule_id, locked_by=who.user_id, locked_at=uow.now))
    uow.record("risk.manifest_locked", SUBJECT, manifest_id, before={"locked": False},
               after={"locked": True, "number": manifest.number, "reason": reason, "rule_id": rule_id})
    return lock_id


def do_lock_manifest(runtime: Runtime, who: Principal, number: str, reason: str) -> dict[str, Any]:
    _may(who, LOCKERS)
    collect([FieldError("reason", "field.required")] if not reason.strip() else [])
    with runtime.uow(actor_of(who)) as uow:
        manifest = _manifest(uow.conn, who, number)
        lock_id = lock_in(uow, who, manifest.id, reason.strip())
        uow.commit()
    return {"lock_id": lock_id, "manifest_id": manifest.id, "number": manifest.number, "locked": True}


def do_unlock_manifest(runtime: Runtime, who: Principal, number: str, reason: str) -> dict[str, Any]:
    """Clear the lock, then release the declarations that waited only for it (screened, release channel)."""
    _may(who, LOCKERS)
    collect([FieldError("reason", "field.required")] if not reason.strip() else [])
    with runtime.uow(actor_of(who)) as uow:
        manifest = _manifest(uow.conn, who, number)
        locks = db.active_locks(uow.conn, [manifest.id])
        if not locks:
            raise Conflict("risk.manifest.not_locked", number=manifest.number)
        t = db.risk_manifest_locks
        uow.conn.execute(update(t).where(t.c.manifest_id == manifest.id, t.c.unlocked_at.is_(None)).values(
            unlocked_by=who.user_id, unlocked_at=uow.now, unlock_reason=reason.strip()))
        uow.record("risk.manifest_unlocked", SUBJECT, manifest.id,
                   before={"locked": True, "reason": locks[0]["reason"]},
                   after={"locked": False, "number": manifest.number, "reason": reason.strip()})
        uow.commit()
    with runtime.engine.connect() as conn:
        waiting = [d.id for d in declarations_queries.declarations_of_manifest(conn, manifest.id)
                   if d.status == "screened" and d.channel == "release"]
    released = []
    for declaration_id in waiting:
        try:
            runtime.port(LIFECYCLE).automatic(Actor(id=who.user_id, name=who.username),
                                              TransitionDeclaration(declaration_id, "release",
                                                                    note="manifest unlocked 舱单解锁"))
            released.append(declaration_id)
        except DomainError:
            continue
    return {"manifest_id": manifest.id, "number": manifest.number, "locked": False, "released": released}


def access_locks(runtime: Runtime, who: Principal, *, history: bool = False) -> list[dict[str, Any]]:
    _may(who, READERS)
    with runtime.engine.connect() as conn:
        rows = db.lock_history(conn) if history else db.active_locks(conn)
    return [r for r in rows if who.covers_customs(r["port_code"])]


def access_manifest_declarations(runtime: Runtime, who: Principal, number: str) -> list[dict[str, Any]]:
    _may(who, READERS)
    with runtime.engine.connect() as conn:
        manifest = _manifest(conn, who, number)
        return [d.__dict__ for d in declarations_queries.declarations_of_manifest(conn, manifest.id)]
