"""Loading the reference tables (idempotent) and the customs organisation tree."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Table, select, update

from smartcustoms.capabilities.reference import db, domain, queries
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.identity.model import OrgLevel
from smartcustoms.platform.identity.services import upsert_org_unit
from smartcustoms.platform.identity.tables import org_units
from smartcustoms.platform.uow import UnitOfWork

DATA_DIR = Path(__file__).resolve().parent / "data"
HS_SUBDIR = Path("data/hs/harmonized-system")
CHUNK = 1000

Progress = Callable[[str, int, int], None]
"""progress(step, advance, total): called as rows are written (for the CLI's progress bar)."""


class UowSource(Protocol):
    """What loading needs: the runtime (or anything that opens a unit of work the same way)."""

    def uow(self, actor: Actor) -> UnitOfWork: ...


def read_json(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return rows


def read_hs(hs_dir: Path) -> tuple[list[domain.HsRow], list[dict[str, str]]]:
    with (hs_dir / "harmonized-system.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = domain.parse_hs_rows(csv.DictReader(fh))
    with (hs_dir / "sections.csv").open(encoding="utf-8-sig", newline="") as fh:
        sections = [{"code": r["section"].strip(), "name_en": r["name"].strip()} for r in csv.DictReader(fh)]
    return rows, sections


def _code_rows(name: str) -> list[dict[str, Any]]:
    rows = read_json(name)
    if name != "customs_offices":
        return [{"code": r["code"], "name_zh": r["name_zh"], "name_en": r["name_en"]} for r in rows]
    return [{"code": r["code"], "name_zh": r["name_zh"], "name_en": r["name_en"], "level": r["level"],
             "parent_code": r["parent"] or None} for r in rows if r["level"] != "site"]


def _sync(conn: Connection, table: Table, rows: list[dict[str, Any]], step: str,
          progress: Progress | None) -> domain.TableChange:
    existing = {r["code"]: dict(r) for r in conn.execute(select(table)).mappings()}
    inserts, updates, unchanged = domain.diff_rows(existing, rows)
    total = len(rows)
    if progress:
        progress(step, unchanged, total)
    for start in range(0, len(inserts), CHUNK):
        chunk = inserts[start:start + CHUNK]
        conn.execute(table.insert(), chunk)
        if progress:
            progress(step, len(chunk), total)
    for row in updates:
        conn.execute(update(table).where(table.c.code == row["code"]).values(**row))
        if progress:
            progress(step, 1, total)
    return domain.TableChange(inserted=len(inserts), updated=len(updates), unchanged=unchanged)


def _sync_org_units(conn: Connection, offices: Iterable[dict[str, Any]]) -> domain.TableChange:
    existing = {r["code"]: dict(r) for r in conn.execute(
        select(org_units.c.code, org_units.c.name_zh, org_units.c.name_en, org_units.c.level,
               org_units.c.parent_code)).mappings()}
    wanted = [{"code": r["code"], "name_zh": r["name_zh"], "name_en": r["name_en"], "level": r["level"],
               "parent_code": r["parent"] or None} for r in domain.org_order(offices)]
    inserts, updates, unchanged = domain.diff_rows(existing, wanted)
    for row in domain.org_order([*inserts, *updates]):
        upsert_org_unit(conn, row["code"], row["name_zh"], row["name_en"], OrgLevel(row["level"]),
                        row["parent_code"])
    return domain.TableChange(inserted=len(inserts), updated=len(updates), unchanged=unchanged)


def do_load(runtime: UowSource, hs_dir: Path, *, actor: Actor | None = None,
            progress: Progress | None = None) -> domain.LoadReport:
    """Load every reference table and the organisation tree; one transaction, one audit entry summarising the
    change. Idempotent: rows already there and equal are left alone, so a second run changes nothing."""
    hs_rows, sections = read_hs(hs_dir)
    report = domain.LoadReport()
    with runtime.uow(actor or Actor.system("reference-load")) as uow:
        for name, table in db.CODE_TABLES.items():
            report.tables[name] = _sync(uow.conn, table, _code_rows(name), name, progress)
        report.tables["org_units"] = _sync_org_units(uow.conn, read_json("customs_offices"))
        report.tables["hs_sections"] = _sync(uow.conn, db.ref_hs_sections, sections, "hs_sections", progress)
        report.tables["hs"] = _sync(uow.conn, db.ref_hs, [
            {"code": r.code, "level": r.level, "parent": r.parent, "description": r.description,
             "section": r.section} for r in hs_rows], "hs", progress)
        uow.record("reference.loaded", "reference", "all", after=report.as_dict())
        uow.commit()
    queries.clear_cache()
    return report


def hs_dir_of(shared_dir: Path) -> Path:
    return shared_dir / HS_SUBDIR
