"""Tables of the risk capability and their repository functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    insert,
    or_,
    select,
    update,
)

from smartcustoms.platform.db import JSONType, UTCDateTime, metadata

risk_batches = Table(
    "risk_batches", metadata,
    Column("id", String(64), primary_key=True),
    Column("customs_code", String(16), nullable=False),
    Column("site", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # committed → frozen → drawn → revealed
    Column("commit", String(64), nullable=False),
    Column("server_seed", String(64), nullable=False),  # published only once revealed
    Column("batch_root", String(64), nullable=True),
    Column("party_commitments", JSONType, nullable=True),  # [{party, commitment, at}] before the freeze
    Column("entropy", JSONType, nullable=True),
    Column("outcome", JSONType, nullable=True),
    Column("created_by", String(64), nullable=False),
    Column("committed_at", UTCDateTime(), nullable=False),
    Column("frozen_at", UTCDateTime(), nullable=True),
    Column("entropy_at", UTCDateTime(), nullable=True),
    Column("revealed_at", UTCDateTime(), nullable=True),
    Index("ix_risk_batches_site_status", "site", "status"),
)

risk_batch_leaves = Table(
    "risk_batch_leaves", metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("item_id", String(64), primary_key=True),
    Column("body", JSONType, nullable=False),
)

risk_decisions = Table(
    "risk_decisions", metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("declaration_id", String(64), primary_key=True),
    Column("enterprise", String(64), nullable=False),
    Column("selected", Boolean, nullable=False),
    Column("source", String(16), nullable=True),
    Column("channel", String(24), nullable=False),
    Column("inspection_method", String(16), nullable=False),
    Column("unloading_method", String(16), nullable=False),
    Column("score", String(16), nullable=False),
    Column("officer_id", String(64), nullable=True),
    Column("reasons", JSONType, nullable=False),
    Column("drawn_at", UTCDateTime(), nullable=False),
    Index("ix_risk_decisions_declaration", "declaration_id"),
    Index("ix_risk_decisions_officer", "officer_id", "drawn_at"),
)

risk_rechecks = Table(
    "risk_rechecks", metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("task_id", String(64), primary_key=True),
    Column("inspector", String(64), nullable=False),
    Column("recheck", Boolean, nullable=False),
    Column("recheck_officer", String(64), nullable=True),
    Column("chief", Boolean, nullable=False),
    Column("chief_officer", String(64), nullable=True),
    Column("submitted_at", UTCDateTime(), nullable=False),
)

risk_rule_versions = Table(
    "risk_rule_versions", metadata,
    Column("rule_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("status", String(16), nullable=False),  # draft → active → retired
    Column("definition", JSONType, nullable=False),
    Column("reason_zh", Text, nullable=False),
    Column("reason_en", Text, nullable=False),
    Column("effective_from", Date, nullable=True),
    Column("effective_to", Date, nullable=True),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

risk_watch_entries = Table(
    "risk_watch_entries", metadata,
    Column("list_name", String(64), primary_key=True),
    Column("value", String(128), primary_key=True),
    Column("note", Text, nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("added_at", UTCDateTime(), nullable=False),
)


# --- batches ---------------------------------------------------------------------------------------------------
def load_batch(conn: Connection, batch_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
    query = select(risk_batches).where(risk_batches.c.id == batch_id)
    if for_update and conn.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def insert_batch(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(risk_batches).values(**values))


def update_batch(conn: Connection, batch_id: str, **values: Any) -> None:
    conn.execute(update(risk_batches).where(risk_batches.c.id == batch_id).values(**values))


def save_leaves(conn: Connection, batch_id: str, leaves: Iterable[Mapping[str, Any]]) -> None:
    rows = [{"batch_id": batch_id, "kind": leaf["kind"], "item_id": str(leaf["id"]), "body": dict(leaf)}
            for leaf in leaves]
    if rows:
        conn.execute(insert(risk_batch_leaves), rows)


def load_leaves(conn: Connection, batch_id: str) -> list[dict[str, Any]]:
    query = (select(risk_batch_leaves.c.body).where(risk_batch_leaves.c.batch_id == batch_id)
             .order_by(risk_batch_leaves.c.kind, risk_batch_leaves.c.item_id))
    return [dict(r) for r in conn.execute(query).scalars()]


def load_leaves_for_task(conn: Connection, batch_id: str, task_id: str) -> list[dict[str, Any]]:
    """What a re-inspection draw needs: the task's declaration, the roster and the policies (not 100,000 rows)."""
    t = risk_batch_leaves
    query = (select(t.c.body).where(t.c.batch_id == batch_id)
             .where(or_(t.c.kind.in_(("officer", "policy")), and_(t.c.kind == "declaration", t.c.item_id == task_id)))
             .order_by(t.c.kind, t.c.item_id))
    return [dict(r) for r in conn.execute(query).scalars()]


def save_decisions(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(risk_decisions), rows)


def load_decisions(conn: Connection, batch_id: str) -> list[dict[str, Any]]:
    query = select(risk_decisions).where(risk_decisions.c.batch_id == batch_id).order_by(
        risk_decisions.c.declaration_id)
    return [dict(r) for r in conn.execute(query).mappings()]


def recent_enterprises(conn: Connection, officers: Iterable[str], since: Any) -> dict[str, set[str]]:
    """Enterprises each officer was drawn to inspect since `since` (for the conflict exclusion)."""
    ids = list(officers)
    if not ids:
        return {}
    query = (select(risk_decisions.c.officer_id, risk_decisions.c.enterprise)
             .where(risk_decisions.c.officer_id.in_(ids), risk_decisions.c.drawn_at >= since).distinct())
    out: dict[str, set[str]] = {}
    for officer, enterprise in conn.execute(query):
        out.setdefault(officer, set()).add(enterprise)
    return out


def load_rechecks(conn: Connection, batch_id: str) -> list[dict[str, Any]]:
    query = select(risk_rechecks).where(risk_rechecks.c.batch_id == batch_id).order_by(risk_rechecks.c.task_id)
    return [dict(r) for r in conn.execute(query).mappings()]


def save_recheck(conn: Connection, row: Mapping[str, Any]) -> None:
    conn.execute(insert(risk_rechecks).values(**row))


def declaration_leaves_since(conn: Connection, since: Any) -> list[tuple[str, dict[str, Any]]]:
    """(batch id, declaration leaf) of every batch frozen since `since`."""
    query = (select(risk_batch_leaves.c.batch_id, risk_batch_leaves.c.body)
             .join(risk_batches, risk_batches.c.id == risk_batch_leaves.c.batch_id)
             .where(risk_batch_leaves.c.kind == "declaration", risk_batches.c.frozen_at >= since))
    return [(b, dict(body)) for b, body in conn.execute(query)]


def selected_since(conn: Connection, since: Any) -> set[tuple[str, str]]:
    query = select(risk_decisions.c.batch_id, risk_decisions.c.declaration_id).where(
        risk_decisions.c.selected.is_(True), risk_decisions.c.drawn_at >= since)
    return {(b, d) for b, d in conn.execute(query)}


# --- rules -------------------------------------------------------------------------------------------------------
def rule_versions(conn: Connection, rule_id: str | None = None) -> list[dict[str, Any]]:
    query = select(risk_rule_versions).order_by(risk_rule_versions.c.rule_id, risk_rule_versions.c.version)
    if rule_id is not None:
        query = query.where(risk_rule_versions.c.rule_id == rule_id)
    return [dict(r) for r in conn.execute(query).mappings()]


def insert_rule_version(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(risk_rule_versions).values(**values))


def set_rule_status(conn: Connection, rule_id: str, version: int, status: str) -> None:
    conn.execute(update(risk_rule_versions).where(risk_rule_versions.c.rule_id == rule_id,
                                                  risk_rule_versions.c.version == version).values(status=status))


# --- watch lists -------------------------------------------------------------------------------------------------
def watch_entries(conn: Connection, list_name: str | None = None) -> list[dict[str, Any]]:
    query = select(risk_watch_entries).order_by(risk_watch_entries.c.list_name, risk_watch_entries.c.value)
    if list_name is not None:
        query = query.where(risk_watch_entries.c.list_name == list_name)
    return [dict(r) for r in conn.execute(query).mappings()]


def insert_watch_entry(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(risk_watch_entries).values(**values))


def delete_watch_entry(conn: Connection, list_name: str, value: str) -> int:
    result = conn.execute(risk_watch_entries.delete().where(risk_watch_entries.c.list_name == list_name,
                                                            risk_watch_entries.c.value == value))
    return int(result.rowcount or 0)


# --- the screening queue, the duty roster, manifest locks and inspection findings (risk_0002) -------------------
risk_queue = Table(
    "risk_queue", metadata,
    Column("declaration_id", String(64), primary_key=True),
    Column("site", String(32), nullable=False),
    Column("enterprise_id", String(64), nullable=False),
    Column("body", JSONType, nullable=False),  # the plain dict the rules engine reads (domain/rules.py)
    Column("queued_at", UTCDateTime(), nullable=False),
    Index("ix_risk_queue_site_queued", "site", "queued_at"),
)

risk_duty = Table(
    "risk_duty", metadata,
    Column("user_id", String(64), primary_key=True),
    Column("on_duty", Boolean, nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
)

risk_manifest_locks = Table(
    "risk_manifest_locks", metadata,
    Column("id", String(32), primary_key=True),
    Column("manifest_id", String(64), nullable=False, index=True),
    Column("manifest_number", String(64), nullable=False),
    Column("port_code", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("rule_id", String(64), nullable=True),  # set when a manifest rule locked it automatically
    Column("locked_by", String(64), nullable=False),
    Column("locked_at", UTCDateTime(), nullable=False),
    Column("unlocked_by", String(64), nullable=True),
    Column("unlocked_at", UTCDateTime(), nullable=True),
    Column("unlock_reason", Text, nullable=True),
)

risk_findings = Table(
    "risk_findings", metadata,
    Column("event_id", String(64), primary_key=True),  # idempotent under redelivery
    Column("declaration_id", String(64), nullable=False, index=True),
    Column("enterprise_id", String(64), nullable=False, index=True),
    Column("outcome", String(16), nullable=False),  # conform | discrepancy (the training label)
    Column("kind", String(64), nullable=False),
    Column("recovered_revenue", String(32), nullable=False),
    Column("serious", Boolean, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)


def enqueue(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(risk_queue), rows)


def queue_stats(conn: Connection) -> dict[str, tuple[int, Any]]:
    """site → (queued declarations, oldest queued_at)."""
    from sqlalchemy import func

    query = select(risk_queue.c.site, func.count(), func.min(risk_queue.c.queued_at)).group_by(risk_queue.c.site)
    return {site: (int(n), oldest) for site, n, oldest in conn.execute(query)}


def take_queue(conn: Connection, site: str, limit: int) -> list[dict[str, Any]]:
    query = (select(risk_queue).where(risk_queue.c.site == site)
             .order_by(risk_queue.c.queued_at, risk_queue.c.declaration_id).limit(limit))
    if conn.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [dict(r) for r in conn.execute(query).mappings()]


def remove_from_queue(conn: Connection, ids: list[str]) -> None:
    for start in range(0, len(ids), 1000):
        conn.execute(risk_queue.delete().where(risk_queue.c.declaration_id.in_(ids[start:start + 1000])))


def open_batch_of(conn: Connection, site: str) -> dict[str, Any] | None:
    """The committed (open) batch of a site, if any: the one the next freeze uses."""
    query = (select(risk_batches).where(risk_batches.c.site == site, risk_batches.c.status == "committed")
             .order_by(risk_batches.c.committed_at))
    if conn.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def list_batches(conn: Connection, customs_scope: frozenset[str] | None, limit: int = 50) -> list[dict[str, Any]]:
    cols = [c for c in risk_batches.c if c.name not in ("server_seed", "outcome")]
    query = select(*cols).order_by(risk_batches.c.committed_at.desc()).limit(limit)
    if customs_scope is not None:
        query = query.where(risk_batches.c.customs_code.in_(sorted(customs_scope)))
    return [dict(r) for r in conn.execute(query).mappings()]


def duty_off(conn: Connection) -> set[str]:
    return set(conn.execute(select(risk_duty.c.user_id).where(risk_duty.c.on_duty.is_(False))).scalars())


def set_duty(conn: Connection, user_id: str, on_duty: bool, changed_by: str, at: Any) -> None:
    conn.execute(risk_duty.delete().where(risk_duty.c.user_id == user_id))
    conn.execute(insert(risk_duty).values(user_id=user_id, on_duty=on_duty, changed_by=changed_by, changed_at=at))


def open_tasks(conn: Connection, officers: Iterable[str], since: Any) -> dict[str, int]:
    """Selected declarations drawn to each officer since `since` whose report is not in yet (the load)."""
    from sqlalchemy import exists, func

    ids = list(officers)
    if not ids:
        return {}
    d, r = risk_decisions, risk_rechecks
    reported = exists().where(r.c.batch_id == d.c.batch_id, r.c.task_id == d.c.declaration_id)
    query = (select(d.c.officer_id, func.count()).where(d.c.officer_id.in_(ids), d.c.drawn_at >= since, ~reported)
             .group_by(d.c.officer_id))
    return {o: int(n) for o, n in conn.execute(query)}


def active_locks(conn: Connection, manifest_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    t = risk_manifest_locks
    query = select(t).where(t.c.unlocked_at.is_(None)).order_by(t.c.locked_at.desc())
    if manifest_ids is not None:
        query = query.where(t.c.manifest_id.in_(sorted(set(manifest_ids))))
    return [dict(r) for r in conn.execute(query).mappings()]


def lock_history(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    t = risk_manifest_locks
    return [dict(r) for r in conn.execute(select(t).order_by(t.c.locked_at.desc()).limit(limit)).mappings()]


def decision_of(conn: Connection, declaration_id: str) -> dict[str, Any] | None:
    query = (select(risk_decisions).where(risk_decisions.c.declaration_id == declaration_id)
             .order_by(risk_decisions.c.drawn_at.desc()))
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def recent_hits(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    """Declarations with rule hits in the most recently frozen batches (the current hit list)."""
    query = (select(risk_batch_leaves.c.batch_id, risk_batch_leaves.c.body, risk_batches.c.frozen_at)
             .join(risk_batches, risk_batches.c.id == risk_batch_leaves.c.batch_id)
             .where(risk_batch_leaves.c.kind == "declaration", risk_batches.c.frozen_at.is_not(None))
             .order_by(risk_batches.c.frozen_at.desc()).limit(limit * 20))
    out = []
    for batch_id, body, frozen_at in conn.execute(query):
        if body.get("rules"):
            out.append({"batch_id": batch_id, "frozen_at": frozen_at, **dict(body)})
            if len(out) >= limit:
                break
    return out
