"""Unit of work (工作单元): one transaction that carries the change, its audit entries and its events.

    with runtime.uow(actor) as uow:
        repo.save(uow.conn, thing)
        uow.record("declarations.accept", "declaration", thing.id, before=..., after=...)
        uow.emit(DeclarationAccepted(...))
        uow.commit()

Leaving the block without commit() rolls everything back: nothing is stored half-way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine

from smartcustoms.kernel.timeutil import Clock
from smartcustoms.platform import audit, outbox
from smartcustoms.platform.audit import Actor, PendingEntry
from smartcustoms.platform.events import Event


class UnitOfWork:
    def __init__(self, engine: Engine, clock: Clock, actor: Actor,
                 after_commit: Callable[[], None] | None = None) -> None:
        self.engine, self.clock, self.actor = engine, clock, actor
        self._after_commit = after_commit
        self._audit: list[PendingEntry] = []
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._committed = False
        self.conn: Connection

    def __enter__(self) -> UnitOfWork:
        self.conn = self.engine.connect()
        self._tx = self.conn.begin()
        self.now: datetime = self.clock.now()
        return self

    def record(self, action: str, subject_type: str, subject_id: str, *, before: Any = None, after: Any = None,
               tenant: str | None = None) -> None:
        """Queue an audit entry; it is chained at commit, in the same transaction."""
        self._audit.append(PendingEntry(action, subject_type, str(subject_id), before, after, tenant))

    def emit(self, event: Event) -> None:
        self._events.append((event.topic, event.payload()))

    def commit(self) -> None:
        audit.append(self.conn, self.now, self.actor, self._audit)
        outbox.add(self.conn, self.now, self._events)
        self._tx.commit()
        self._committed = True
        had_events = bool(self._events)
        self._audit, self._events = [], []
        if had_events and self._after_commit is not None:
            self._after_commit()

    def rollback(self) -> None:
        if self._tx.is_active:
            self._tx.rollback()
        self._audit, self._events = [], []

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if not self._committed:
                self.rollback()
        finally:
            self.conn.close()
