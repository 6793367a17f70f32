"""Read side of the reference tables; other capabilities import this module.

`reference_sets` is cached in-process per database (the tables change only through `reference load`, which
clears the cache)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, select

from smartcustoms.capabilities.reference import db
from smartcustoms.capabilities.reference.domain import CODE_TABLES, escape_like, hs_digits


@dataclass(frozen=True)
class ReferenceSets:
    """Every valid code, per table, for fast membership checks (e.g. screening a batch of declarations)."""

    countries: frozenset[str]
    currencies: frozenset[str]
    units: frozenset[str]
    trade_modes: frozenset[str]
    transport_modes: frozenset[str]
    customs_offices: frozenset[str]
    hs_subheadings: frozenset[str]
    """6-digit HS 2022 subheadings."""


_lock = threading.Lock()
_sets: dict[str, ReferenceSets] = {}
_labels: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}


def _db_key(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)


def clear_cache() -> None:
    """Forget every cached set and label (called by `reference load`)."""
    with _lock:
        _sets.clear()
        _labels.clear()


def reference_sets(conn: Connection) -> ReferenceSets:
    key = _db_key(conn)
    cached = _sets.get(key)
    if cached is not None:
        return cached
    codes = {name: frozenset(conn.execute(select(table.c.code)).scalars()) for name, table in db.CODE_TABLES.items()}
    hs = frozenset(conn.execute(select(db.ref_hs.c.code).where(db.ref_hs.c.level == 6)).scalars())
    sets = ReferenceSets(hs_subheadings=hs, **codes)
    with _lock:
        _sets[key] = sets
    return sets


def _hs_row(row: Any) -> dict[str, Any]:
    return {"code": row.code, "level": row.level, "description": row.description, "parent": row.parent}


def hs_entry(conn: Connection, code: str) -> dict[str, Any] | None:
    """One HS chapter, heading or subheading with its parent chain (chapter first) and section.
    8- or 10-digit China codes resolve to their 6-digit subheading. None if unknown."""
    digits = hs_digits(code)
    if digits is None:
        return None
    row = conn.execute(select(db.ref_hs).where(db.ref_hs.c.code == digits)).first()
    if row is None:
        return None
    chain: list[dict[str, Any]] = []
    parent = row.parent
    while parent is not None:
        up = conn.execute(select(db.ref_hs).where(db.ref_hs.c.code == parent)).first()
        if up is None:
            break
        chain.insert(0, _hs_row(up))
        parent = up.parent
    section = None
    if row.section is not None:
        name = conn.execute(select(db.ref_hs_sections.c.name_en).where(
            db.ref_hs_sections.c.code == row.section)).scalar_one_or_none()
        section = {"code": row.section, "name": name}
    children = [_hs_row(r) for r in conn.execute(
        select(db.ref_hs).where(db.ref_hs.c.parent == row.code).order_by(db.ref_hs.c.code))]
    return {**_hs_row(row), "section": section, "chain": chain, "children": children}


def search_hs(conn: Connection, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Digits: entries whose code starts with them. Words: entries whose description contains every word
    (case-insensitive). Broader levels first, then by code."""
    text = text.strip()
    limit = max(1, min(limit, 200))
    if not text:
        return []
    compact = text.replace(".", "").replace(" ", "")
    query = select(db.ref_hs)
    if compact.isdigit():
        query = query.where(db.ref_hs.c.code.startswith(compact[:6], autoescape=True))
    else:
        words = [w for w in text.lower().split() if w]
        query = query.where(and_(*[func.lower(db.ref_hs.c.description).like(f"%{escape_like(w)}%", escape="\\")
                                   for w in words]))
    rows = conn.execute(query.order_by(db.ref_hs.c.level, db.ref_hs.c.code).limit(limit))
    return [{**_hs_row(r), "section": r.section} for r in rows]


def hs_chapters(conn: Connection) -> list[dict[str, Any]]:
    """The 97 HS chapters (level 2), by code."""
    rows = conn.execute(select(db.ref_hs).where(db.ref_hs.c.level == 2).order_by(db.ref_hs.c.code))
    return [{**_hs_row(r), "section": r.section} for r in rows]


def list_table(conn: Connection, table: str) -> list[dict[str, Any]]:
    """Every row of a code table (see `domain.CODE_TABLES`), ordered by code. KeyError if no such table."""
    t = db.CODE_TABLES[table]
    return [dict(r) for r in conn.execute(select(t).order_by(t.c.code)).mappings()]


def label(conn: Connection, table: str, code: str, locale: str) -> str | None:
    """The name of `code` in `table` (a code table or "hs") in zh-CN or en; None if unknown. HS descriptions
    exist in English only. Cached per database like `reference_sets`."""
    if table not in (*CODE_TABLES, "hs"):
        raise KeyError(f"no reference table {table!r}")
    key = (_db_key(conn), table)
    names = _labels.get(key)
    if names is None:
        if table == "hs":
            names = {r.code: (r.description, r.description) for r in conn.execute(
                select(db.ref_hs.c.code, db.ref_hs.c.description))}
        else:
            t = db.CODE_TABLES[table]
            names = {r.code: (r.name_zh, r.name_en) for r in conn.execute(select(t.c.code, t.c.name_zh, t.c.name_en))}
        with _lock:
            _labels[key] = names
    if table == "hs":
        code = hs_digits(code) or code
    pair = names.get(code)
    if pair is None:
        return None
    return pair[0] if locale.startswith("zh") else pair[1]
