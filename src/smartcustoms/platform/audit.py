"""Tamper-evident audit log (审计日志): append-only entries chained by SHA-256.

Each entry's hash covers its own content and the previous entry's hash; `audit_head` holds the last sequence
number and hash, so an edited, deleted or truncated entry breaks the chain and `verify` names it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Index, Integer, String, Table, select, update

from smartcustoms.platform.db import JSONType, UTCDateTime, dumps, is_postgres, metadata

GENESIS = "0" * 64

audit_log = Table(
    "audit_log", metadata,
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_name", String(128), nullable=False),
    Column("action", String(96), nullable=False),
    Column("subject_type", String(64), nullable=False),
    Column("subject_id", String(128), nullable=False),
    Column("tenant", String(64), nullable=True),
    Column("before", JSONType, nullable=True),
    Column("after", JSONType, nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_subject", "subject_type", "subject_id"),
)

audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)


@dataclass(frozen=True)
class Actor:
    """Who did it: a user, or the system itself (a worker, the simulator)."""

    id: str
    name: str

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(id="system", name=name)


@dataclass(frozen=True)
class PendingEntry:
    action: str
    subject_type: str
    subject_id: str
    before: Any
    after: Any
    tenant: str | None


def entry_hash(row: dict[str, Any]) -> str:
    body = {k: row[k] for k in ("seq", "actor_id", "actor_name", "action", "subject_type", "subject_id",
                                "tenant", "before", "after", "prev_hash")}
    body["at"] = row["at"].isoformat()
    return hashlib.sha256(dumps(body).encode()).hexdigest()


def append(conn: Connection, at: datetime, actor: Actor, entries: list[PendingEntry]) -> None:
    """Chain `entries` after the current head, inside the caller's transaction."""
    if not entries:
        return
    query = select(audit_head.c.last_seq, audit_head.c.last_hash).where(audit_head.c.id == 1)
    if is_postgres(conn.engine):
        query = query.with_for_update()  # serialises appenders across processes
    head = conn.execute(query).first()
    if head is None:
        conn.execute(audit_head.insert().values(id=1, last_seq=0, last_hash=GENESIS))
        seq, prev = 0, GENESIS
        if is_postgres(conn.engine):
            conn.execute(query)
    else:
        seq, prev = head.last_seq, head.last_hash
    rows = []
    for entry in entries:
        seq += 1
        row = {"seq": seq, "at": at, "actor_id": actor.id, "actor_name": actor.name, "action": entry.action,
               "subject_type": entry.subject_type, "subject_id": entry.subject_id, "tenant": entry.tenant,
               "before": _plain(entry.before), "after": _plain(entry.after), "prev_hash": prev}
        row["hash"] = prev = entry_hash(row)
        rows.append(row)
    conn.execute(audit_log.insert(), rows)
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(last_seq=seq, last_hash=prev))


def _plain(value: Any) -> Any:
    """Normalise to what JSON gives back, so the hash computed now equals the one recomputed later."""
    import json

    return None if value is None else json.loads(dumps(value))


@dataclass(frozen=True)
class Break:
    seq: int
    problem: str  # "edited", "missing", "reordered", "head"


def verify(conn: Connection, batch: int = 5000) -> tuple[int, list[Break]]:
    """Walk the whole chain; return the number of entries checked and every break found."""
    breaks: list[Break] = []
    expected_seq, prev, count = 1, GENESIS, 0
    for row in _rows(conn, batch):
        count += 1
        if row["seq"] != expected_seq:
            breaks.append(Break(expected_seq, "missing"))
        if row["prev_hash"] != prev:
            breaks.append(Break(row["seq"], "chain"))
        if entry_hash(row) != row["hash"]:
            breaks.append(Break(row["seq"], "edited"))
        prev, expected_seq = row["hash"], row["seq"] + 1
    head = conn.execute(select(audit_head)).first()
    last_seq = head.last_seq if head else 0
    if last_seq != expected_seq - 1 or (head is not None and head.last_hash != prev):
        breaks.append(Break(last_seq, "missing" if last_seq > expected_seq - 1 else "head"))
    return count, breaks


def _rows(conn: Connection, batch: int) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        chunk = conn.execute(select(audit_log).where(audit_log.c.seq > last).order_by(audit_log.c.seq)
                             .limit(batch)).mappings().all()
        if not chunk:
            return
        for row in chunk:
            yield dict(row)
        last = chunk[-1]["seq"]


def trail(conn: Connection, subject_type: str, subject_id: str) -> list[dict[str, Any]]:
    """The audit entries of one subject, oldest first."""
    query = (select(audit_log).where(audit_log.c.subject_type == subject_type,
                                     audit_log.c.subject_id == subject_id).order_by(audit_log.c.seq))
    return [dict(r) for r in conn.execute(query).mappings()]
