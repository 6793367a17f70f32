"""Read side of the enterprise registry; other capabilities (declarations, risk) import this module.

Every query that reports a credit grade takes `on`, the customs-local date the grade must be in force on.
Pass the runtime clock's date (`customs_today(runtime.clock)`); leaving it out uses the wall clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, or_, select

from smartcustoms.capabilities.enterprise import db
from smartcustoms.capabilities.enterprise.domain import GradeRecord
from smartcustoms.kernel.timeutil import Clock, SystemClock

CUSTOMS_TZ = ZoneInfo("Asia/Shanghai")
IN_CHUNK = 500


def customs_today(clock: Clock | None = None) -> date:
    """Today in customs-local time (Asia/Shanghai)."""
    return (clock or SystemClock()).now().astimezone(CUSTOMS_TZ).date()


@dataclass(frozen=True)
class EnterpriseView:
    id: str
    uscc: str
    customs_code: str
    name_zh: str
    name_en: str | None
    kind: str
    credit_grade: str
    """The grade in force on the date asked for (see `domain.CreditGrade`)."""
    registered_customs: str
    address: str | None = None
    registered_on: date | None = None
    registered_at: datetime | None = None


def _view(row: Any) -> EnterpriseView:
    return EnterpriseView(id=row["id"], uscc=row["uscc"], customs_code=row["customs_code"], name_zh=row["name_zh"],
                          name_en=row["name_en"], kind=row["kind"], credit_grade=row["credit_grade"],
                          registered_customs=row["registered_customs"], address=row["address"],
                          registered_on=row["registered_on"], registered_at=row["registered_at"])


def get_enterprise(conn: Connection, enterprise_id: str, *, on: date | None = None) -> EnterpriseView | None:
    row = db.load(conn, enterprise_id, on or customs_today())
    return _view(row) if row else None


def find_by_code(conn: Connection, code: str, *, on: date | None = None) -> EnterpriseView | None:
    """By USCC (18 characters) or customs code (10 characters), case-insensitive."""
    found = find_many(conn, [code], on=on)
    return next(iter(found.values()), None)


def find_many(conn: Connection, codes: Iterable[str], *, on: date | None = None) -> dict[str, EnterpriseView]:
    """Bulk look-up by USCC or customs code (mixed): one query per kind of code (per 500 codes), grade
    included.

    Returns {code as given: view} for the codes that were found."""
    wanted: dict[str, list[str]] = {}
    for code in codes:
        if code:
            wanted.setdefault(code.strip().upper(), []).append(code)
    if not wanted:
        return {}
    query, _grade = db.select_with_grade(on or customs_today())
    out: dict[str, EnterpriseView] = {}
    # One indexed IN query per kind of code (an 18-character code is a USCC, anything else a customs code).
    for column, keys in ((db.enterprises.c.uscc, [k for k in wanted if len(k) == 18]),
                         (db.enterprises.c.customs_code, [k for k in wanted if len(k) != 18])):
        for start in range(0, len(keys), IN_CHUNK):
            for row in conn.execute(query.where(column.in_(keys[start:start + IN_CHUNK]))).mappings():
                view = _view(row)
                for key in (view.uscc, view.customs_code):
                    for given in wanted.get(key, ()):
                        out[given] = view
    return out


def grade_history(conn: Connection, enterprise_id: str) -> list[GradeRecord]:
    """Every grade record of the enterprise, newest `effective_from` first."""
    return db.grade_records(conn, [enterprise_id]).get(enterprise_id, [])


@dataclass(frozen=True)
class Page:
    items: list[EnterpriseView]
    total: int
    page: int
    page_size: int


def list_enterprises(conn: Connection, *, on: date | None = None, q: str | None = None, kind: str | None = None,
                     grade: str | None = None, registered_customs: Iterable[str] | None = None, page: int = 1,
                     page_size: int = 50) -> Page:
    """Filter (text in name/USCC/customs code, kind, current grade, registering customs offices) and page."""
    query, grade_col = db.select_with_grade(on or customs_today())
    e = db.enterprises
    conditions = []
    if q and q.strip():
        needle = f"%{q.strip().lower().replace(chr(92), '').replace('%', '').replace('_', '')}%"
        conditions.append(or_(func.lower(e.c.name_zh).like(needle), func.lower(e.c.name_en).like(needle),
                              func.lower(e.c.uscc).like(needle), func.lower(e.c.customs_code).like(needle)))
    if kind:
        conditions.append(e.c.kind == kind)
    if grade:
        conditions.append(grade_col == grade)
    if registered_customs is not None:
        conditions.append(e.c.registered_customs.in_(list(registered_customs)))
    query = query.where(*conditions)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page, page_size = max(1, page), max(1, min(page_size, 200))
    rows = conn.execute(query.order_by(e.c.name_zh, e.c.id).offset((page - 1) * page_size).limit(page_size))
    return Page([_view(r) for r in rows.mappings()], total, page, page_size)
