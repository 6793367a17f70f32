"""Enterprise tables and repository functions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    ScalarSelect,
    String,
    Table,
    func,
    select,
    update,
)

from smartcustoms.capabilities.enterprise.domain import DEFAULT_GRADE, CreditGrade, GradeRecord
from smartcustoms.platform.db import UTCDateTime, metadata

enterprises = Table(
    "enterprises", metadata,
    Column("id", String(36), primary_key=True),
    Column("uscc", String(18), nullable=False, unique=True),
    Column("customs_code", String(10), nullable=False, unique=True),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("address", String(300), nullable=True),
    Column("registered_customs", String(4), nullable=False, index=True),
    Column("registered_on", Date, nullable=False),
    Column("registered_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

enterprise_credit_grades = Table(
    "enterprise_credit_grades", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("enterprise_id", String(36), ForeignKey("enterprises.id"), nullable=False),
    Column("grade", String(32), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("recorded_by", String(128), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index("ix_enterprise_credit_grades_current", "enterprise_id", "effective_from"),
)

DETAIL_COLUMNS = ("id", "uscc", "customs_code", "name_zh", "name_en", "kind", "address", "registered_customs",
                  "registered_on", "registered_at", "updated_at")


def current_grade_column(on: date) -> ScalarSelect[Any]:
    """A correlated subquery: the grade in force on `on` for the enterprise of the outer row (NULL if none)."""
    g = enterprise_credit_grades
    return (select(g.c.grade).where(g.c.enterprise_id == enterprises.c.id, g.c.effective_from <= on)
            .order_by(g.c.effective_from.desc(), g.c.recorded_at.desc(), g.c.id.desc()).limit(1)
            .correlate(enterprises).scalar_subquery())


def select_with_grade(on: date) -> Any:
    grade = func.coalesce(current_grade_column(on), DEFAULT_GRADE.value).label("credit_grade")
    return select(enterprises, grade), grade


def load(conn: Connection, enterprise_id: str, on: date, *, for_update: bool = False) -> dict[str, Any] | None:
    query, _grade = select_with_grade(on)
    query = query.where(enterprises.c.id == enterprise_id)
    if for_update and conn.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=enterprises)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def code_taken(conn: Connection, column: str, value: str) -> bool:
    return conn.execute(select(enterprises.c.id).where(enterprises.c[column] == value)).first() is not None


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(enterprises.insert().values(**row))


def update_details(conn: Connection, enterprise_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(enterprises).where(enterprises.c.id == enterprise_id).values(**values))


def add_grade(conn: Connection, enterprise_id: str, record: GradeRecord) -> None:
    conn.execute(enterprise_credit_grades.insert().values(
        enterprise_id=enterprise_id, grade=record.grade.value, effective_from=record.effective_from,
        reason=record.reason, recorded_by=record.recorded_by, recorded_at=record.recorded_at))


def grade_records(conn: Connection, enterprise_ids: Iterable[str]) -> dict[str, list[GradeRecord]]:
    g = enterprise_credit_grades
    out: dict[str, list[GradeRecord]] = {}
    ids = list(enterprise_ids)
    for start in range(0, len(ids), 1000):
        rows = conn.execute(select(g).where(g.c.enterprise_id.in_(ids[start:start + 1000]))
                            .order_by(g.c.effective_from.desc(), g.c.recorded_at.desc(), g.c.id.desc()))
        for r in rows:
            out.setdefault(r.enterprise_id, []).append(GradeRecord(
                CreditGrade(r.grade), r.effective_from, r.reason, r.recorded_by, r.recorded_at))
    return out
