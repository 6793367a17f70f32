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
