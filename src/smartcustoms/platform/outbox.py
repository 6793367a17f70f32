"""Transactional outbox (发件箱): events are written in the same transaction as the change, and a relay
delivers them after commit to the in-process handlers and the MQTT bridge. A delivery that fails is retried
with back-off and stays visible (attempts, last_error) — never swallowed."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, Engine, Index, Integer, String, Table, Text, bindparam, select, update

from smartcustoms.kernel.timeutil import Clock
from smartcustoms.platform.db import JSONType, UTCDateTime, is_postgres, metadata

log = logging.getLogger(__name__)

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("topic", String(128), nullable=False),
    Column("payload", JSONType, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("published_at", UTCDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("last_error", Text, nullable=True),
    Index("ix_outbox_pending", "published_at", "next_attempt_at"),
)


def add(conn: Connection, at: datetime, items: list[tuple[str, dict[str, Any]]]) -> None:
    if items:
        conn.execute(outbox.insert(), [
            {"event_id": str(uuid.uuid4()), "topic": topic, "payload": payload, "created_at": at,
             "attempts": 0, "next_attempt_at": at} for topic, payload in items])


@dataclass(frozen=True)
class Message:
    event_id: str
    topic: str
    payload: dict[str, Any]


Sink = Callable[[Message], None]
"""A destination: the in-process bus, the MQTT bridge. Must be idempotent on event_id (at-least-once)."""


class Relay:
    def __init__(self, engine: Engine, clock: Clock, sinks: list[Sink], batch: int = 200,
                 lease: timedelta = timedelta(seconds=60)) -> None:
        self.engine, self.clock, self.sinks, self.batch, self.lease = engine, clock, sinks, batch, lease

    def relay_once(self) -> int:
        """Deliver one batch of due messages; return how many were published.

        The batch is claimed in a short transaction (a lease: `next_attempt_at` moves `lease` ahead; on PostgreSQL
        under SKIP LOCKED, so several relays never take the same rows) and delivered **outside** it, so that event
        handlers can write through their own units of work — on SQLite a write transaction held by the relay
        would lock them out. A relay that dies mid-batch leaves the rest to be redelivered when the lease ends
        (at-least-once; sinks are idempotent on event_id)."""
        now = self.clock.now()
        with self.engine.begin() as conn:
            query = (select(outbox).where(outbox.c.published_at.is_(None), outbox.c.next_attempt_at <= now)
                     .order_by(outbox.c.id).limit(self.batch))
            if is_postgres(self.engine):
                query = query.with_for_update(skip_locked=True)
            rows = conn.execute(query).mappings().all()
            if rows:
                conn.execute(update(outbox).where(outbox.c.id.in_([r["id"] for r in rows]))
                             .values(next_attempt_at=now + self.lease))
        delivered: list[dict[str, Any]] = []
        for row in rows:
            values = self._deliver(row, now)
            if "published_at" in values:
                delivered.append({"b_id": row["id"], "b_attempts": values["attempts"]})
            else:
                with self.engine.begin() as conn:
                    conn.execute(update(outbox).where(outbox.c.id == row["id"]).values(**values))
        if delivered:
            with self.engine.begin() as conn:
                conn.execute(update(outbox).where(outbox.c.id == bindparam("b_id")).values(
                    published_at=now, attempts=bindparam("b_attempts"), last_error=None), delivered)
        return len(delivered)

    def _deliver(self, row: Any, now: datetime) -> dict[str, Any]:
        """Hand one message to every sink; return the outbox columns to update (published, or retry later)."""
        message = Message(row["event_id"], row["topic"], row["payload"])
        try:
            for sink in self.sinks:
                sink(message)
        except Exception as exc:
            attempts = row["attempts"] + 1
            delay = min(300.0, 0.5 * 2 ** min(attempts, 10))
            log.warning("outbox delivery failed for %s (%s): %s", row["event_id"], row["topic"], exc)
            return {"attempts": attempts, "last_error": f"{type(exc).__name__}: {exc}"[:2000],
                    "next_attempt_at": now + timedelta(seconds=delay)}
        return {"published_at": now, "attempts": row["attempts"] + 1, "last_error": None}

    def drain(self, max_rounds: int = 100) -> int:
        total = 0
        for _ in range(max_rounds):
            n = self.relay_once()
            total += n
            if n == 0:
                break
        return total


def pending(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(outbox).where(outbox.c.published_at.is_(None))
                                          .order_by(outbox.c.id)).mappings()]
