"""Command handlers for versioned rules: create a version (draft), activate it (the previous active version of the
same rule retires), retire it, and dry-run drafts or active rules over recent declarations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from smartcustoms.capabilities.risk import db
from smartcustoms.capabilities.risk.domain.rules import Context, Rule, UnitValueHistory, check_rule, dry_run
from smartcustoms.kernel.errors import Conflict, FieldError, IllegalTransition, NotFound, PermissionDenied, collect
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime

AUTHORS = (Role.RISK_OFFICER, Role.ADMIN)
READERS = (Role.RISK_OFFICER, Role.AUDITOR, Role.SECTION_CHIEF, Role.ADMIN)
SUBJECT = "risk_rule"


def _may(who: Principal, roles: Sequence[Role]) -> None:
    if not who.is_customs or not who.has(*roles):
        raise PermissionDenied("error.forbidden")


def _public(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"rule_id": row["rule_id"], "version": row["version"], "status": row["status"],
            "definition": row["definition"], "reason": {"zh-CN": row["reason_zh"], "en": row["reason_en"]},
            "effective_from": row["effective_from"].isoformat() if row["effective_from"] else None,
            "effective_to": row["effective_to"].isoformat() if row["effective_to"] else None,
            "created_by": row["created_by"], "created_at": row["created_at"].isoformat()}


def access_rules(runtime: Runtime, who: Principal, rule_id: str | None = None) -> list[dict[str, Any]]:
    _may(who, READERS)
    with runtime.engine.connect() as conn:
        rows = db.rule_versions(conn, rule_id)
    if rule_id is not None and not rows:
        raise NotFound("risk.rule.not_found")
    return [_public(r) for r in rows]


def access_hit_stats(runtime: Runtime, who: Principal, since: datetime) -> list[dict[str, Any]]:
    """Hit statistics of the rules over the batches frozen since `since`: declarations hit, of which inspected
    (the rule ids are frozen with each declaration, so these figures are as tamper-evident as the batch)."""
    _may(who, READERS)
    with runtime.engine.connect() as conn:
        leaves = db.declaration_leaves_since(conn, since)
        selected = db.selected_since(conn, since)
    total = len(leaves)
    stats: dict[str, list[int]] = {}
    for batch_id, leaf in leaves:
        for rule_id in leaf.get("rules", ()):
            entry = stats.setdefault(rule_id, [0, 0])
            entry[0] += 1
            entry[1] += (batch_id, leaf["id"]) in selected
    return [{"rule_id": rid, "hits": hits, "inspected": inspected, "declarations": total,
             "hit_rate": hits / total if total else 0.0} for rid, (hits, inspected) in sorted(stats.items())]


def do_create_rule_version(runtime: Runtime, who: Principal, definition: Mapping[str, Any]) -> dict[str, Any]:
    _may(who, AUTHORS)
    collect(check_rule(definition))
    rule = Rule.from_definition(definition)
    with runtime.uow(actor_of(who)) as uow:
        existing = db.rule_versions(uow.conn, rule.id)
        version = max((r["version"] for r in existing), default=0) + 1
        stored = {**dict(definition), "version": version}
        row = {"rule_id": rule.id, "version": version, "status": "draft", "definition": stored,
               "reason_zh": rule.reason["zh-CN"], "reason_en": rule.reason["en"],
               "effective_from": rule.effective_from, "effective_to": rule.effective_to,
               "created_by": who.user_id, "created_at": uow.now}
        db.insert_rule_version(uow.conn, row)
        uow.record("risk.rule_version_created", SUBJECT, f"{rule.id}@{version}", after=stored)
        uow.commit()
    return _public(row)


def _set_status(runtime: Runtime, who: Principal, rule_id: str, version: int, to: str) -> dict[str, Any]:
    _may(who, AUTHORS)
    with runtime.uow(actor_of(who)) as uow:
        rows = {r["version"]: r for r in db.rule_versions(uow.conn, rule_id)}
        row = rows.get(version)
        if row is None:
            raise NotFound("risk.rule.not_found")
        allowed = {"active": {"draft"}, "retired": {"draft", "active"}}[to]
        if row["status"] not in allowed:
            raise IllegalTransition("risk.rule.wrong_state", status=row["status"])
        if to == "active":
            for other in rows.values():
                if other["status"] == "active":
                    db.set_rule_status(uow.conn, rule_id, other["version"], "retired")
                    uow.record("risk.rule_version_retired", SUBJECT, f"{rule_id}@{other['version']}",
                               before={"status": "active"}, after={"status": "retired"})
        db.set_rule_status(uow.conn, rule_id, version, to)
        uow.record(f"risk.rule_version_{'activated' if to == 'active' else 'retired'}", SUBJECT,
                   f"{rule_id}@{version}", before={"status": row["status"]}, after={"status": to})
        uow.commit()
    return {**_public(row), "status": to}


def do_activate_rule(runtime: Runtime, who: Principal, rule_id: str, version: int) -> dict[str, Any]:
    return _set_status(runtime, who, rule_id, version, "active")


def do_retire_rule(runtime: Runtime, who: Principal, rule_id: str, version: int) -> dict[str, Any]:
    return _set_status(runtime, who, rule_id, version, "retired")


# --- watch lists (名单) ---------------------------------------------------------------------------------------
def stored_watch_lists(conn: Connection) -> dict[str, frozenset[str]]:
    """Every stored watch list, for rule evaluation (`{"watch_list": name, "field": ...}` conditions)."""
    out: dict[str, set[str]] = {}
    for row in db.watch_entries(conn):
        out.setdefault(row["list_name"], set()).add(row["value"])
    return {k: frozenset(v) for k, v in out.items()}


def access_watch_lists(runtime: Runtime, who: Principal) -> dict[str, list[dict[str, Any]]]:
    _may(who, READERS)
    with runtime.engine.connect() as conn:
        rows = db.watch_entries(conn)
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["list_name"], []).append({"value": r["value"], "note": r["note"], "added_by": r["added_by"],
                                                   "added_at": r["added_at"].isoformat()})
    return out


def do_add_watch_entry(runtime: Runtime, who: Principal, list_name: str, value: str, note: str) -> dict[str, Any]:
    _may(who, AUTHORS)
    errors = []
    if not list_name.strip() or len(list_name) > 64:
        errors.append(FieldError("list_name", "field.invalid"))
    if not value.strip() or len(value) > 128:
        errors.append(FieldError("value", "field.invalid"))
    if not note.strip():
        errors.append(FieldError("note", "field.required"))
    collect(errors)
    with runtime.uow(actor_of(who)) as uow:
        if any(r["value"] == value for r in db.watch_entries(uow.conn, list_name)):
            raise Conflict("risk.watch.exists")
        row = {"list_name": list_name, "value": value, "note": note, "added_by": who.user_id, "added_at": uow.now}
        db.insert_watch_entry(uow.conn, row)
        uow.record("risk.watch_entry_added", "risk_watch_list", list_name, after={"value": value, "note": note})
        uow.commit()
    return {"list_name": list_name, "value": value, "note": note}


def do_remove_watch_entry(runtime: Runtime, who: Principal, list_name: str, value: str) -> None:
    _may(who, AUTHORS)
    with runtime.uow(actor_of(who)) as uow:
        if not db.delete_watch_entry(uow.conn, list_name, value):
            raise NotFound("risk.watch.not_found")
        uow.record("risk.watch_entry_removed", "risk_watch_list", list_name, before={"value": value})
        uow.commit()


def active_rules(conn: Connection) -> list[Rule]:
    """The rule set in force (effective dates are applied at evaluation time)."""
    return [Rule.from_definition(r["definition"]) for r in db.rule_versions(conn) if r["status"] == "active"]


def manifest_lock_rules(conn: Connection) -> set[str]:
    """Manifest rules: active rules whose definition asks to lock the manifest on a hit (``"lock_manifest": true``)."""
    return {r["rule_id"] for r in db.rule_versions(conn) if r["status"] == "active"
            and r["definition"].get("lock_manifest") is True}


def run_dry_run(runtime: Runtime, who: Principal, declarations: Sequence[Mapping[str, Any]], on: date,
                definitions: Sequence[Mapping[str, Any]] = (), rule_ids: Sequence[str] = (),
                history: Sequence[Mapping[str, Any]] = (), watch_lists: Mapping[str, Sequence[str]] | None = None
                ) -> dict[str, Any]:
    """Evaluate drafts (`definitions`) and/or stored versions (latest of each of `rule_ids`; all active rules if
    neither is given) over `declarations`; hit statistics and the hits with their reasons. Nothing is stored."""
    _may(who, AUTHORS)
    errors = [FieldError(f"rules.{i}.{e.field}", e.key, e.params) for i, d in enumerate(definitions)
              for e in check_rule(d)]
    collect(errors)
    rules = [Rule.from_definition(d) for d in definitions]
    with runtime.engine.connect() as conn:
        if rule_ids:
            for rid in rule_ids:
                versions = db.rule_versions(conn, rid)
                if not versions:
                    raise NotFound("risk.rule.not_found")
                rules.append(Rule.from_definition(versions[-1]["definition"]))
        elif not definitions:
            rules = active_rules(conn)
        stored = stored_watch_lists(conn)
    items = [it for d in history for it in (d.get("items") or ())]
    lists = {k: stored.get(k, frozenset()) | frozenset(v) for k, v in (watch_lists or {}).items()}
    ctx = Context(UnitValueHistory.from_items(items), {**stored, **lists})
    report = dry_run(rules, declarations, on, ctx)
    return {"declarations": report.declarations, "hit_declarations": report.hit_declarations,
            "rules": [{"rule_id": s.rule_id, "version": s.version, "hits": s.hits, "rate": s.rate,
                       "sample": list(s.sample)} for s in report.rules],
            "hits": {k: [{"rule_id": h.rule_id, "version": h.version, "reason": dict(h.reason),
                          "channel": h.channel, "items": list(h.items)} for h in hits]
                     for k, hits in report.hits.items()}}
