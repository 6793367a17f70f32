"""Tables and repository functions of the classification capability."""

from __future__ import annotations

from sqlalchemy import Column, Connection, Index, String, Table, Text, select

from smartcustoms.capabilities.classification.domain import Correction
from smartcustoms.platform.db import UTCDateTime, metadata

corrections = Table(
    "classification_corrections", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", Text, nullable=False),
    Column("spec", Text, nullable=False),
    Column("predicted_code", String(10), nullable=True),
    Column("confirmed_code", String(10), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("officer_id", String(64), nullable=False),
    Column("officer_name", String(128), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_classification_corrections_created_at", "created_at"),
)


def add(conn: Connection, c: Correction) -> None:
    conn.execute(corrections.insert().values(
        id=c.id, name=c.name, spec=c.spec, predicted_code=c.predicted_code, confirmed_code=c.confirmed_code,
        kind=c.kind, officer_id=c.officer_id, officer_name=c.officer_name, note=c.note, created_at=c.created_at))


def _row(r: object) -> Correction:
    m = r._mapping  # type: ignore[attr-defined]
    return Correction(m["id"], m["name"], m["spec"], m["predicted_code"], m["confirmed_code"], m["kind"],
                      m["officer_id"], m["officer_name"], m["created_at"], m["note"])


def recent(conn: Connection, limit: int = 50) -> list[Correction]:
    rows = conn.execute(select(corrections).order_by(corrections.c.created_at.desc(), corrections.c.id)
                        .limit(limit))
    return [_row(r) for r in rows]


def all_examples(conn: Connection) -> list[tuple[str, str]]:
    """(text, confirmed code) of every decision, oldest first: training examples."""
    rows = conn.execute(select(corrections.c.name, corrections.c.spec, corrections.c.confirmed_code)
                        .order_by(corrections.c.created_at, corrections.c.id))
    return [(f"{r.name} {r.spec}".strip(), r.confirmed_code) for r in rows]
