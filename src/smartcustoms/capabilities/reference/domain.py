"""Pure rules of the reference tables: which tables exist, how HS rows are read, and what a load changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CODE_TABLES: tuple[str, ...] = ("countries", "currencies", "units", "trade_modes", "transport_modes",
                                "customs_offices")
"""The simple code tables (code, name_zh, name_en); each lives in `ref_<name>` and in `data/<name>.json`."""

HS_TABLE = "hs"
LABEL_TABLES: tuple[str, ...] = (*CODE_TABLES, HS_TABLE)

ORG_LEVELS = ("gacc", "direct", "subordinate", "site")


@dataclass(frozen=True)
class HsRow:
    code: str
    level: int
    parent: str | None
    description: str
    section: str | None


def parse_hs_rows(rows: Iterable[Mapping[str, str]]) -> list[HsRow]:
    """Rows of `harmonized-system.csv` (section, hscode, description, parent, level) → HS entries.

    The single `TOTAL` row (level 5) is dropped; "TOTAL" as a parent or section means none (chapter 99)."""
    out: list[HsRow] = []
    for row in rows:
        code, level = row["hscode"].strip(), row["level"].strip()
        if code == "TOTAL" or level not in ("2", "4", "6"):
            continue
        if not code.isdigit() or len(code) != int(level):
            raise ValueError(f"malformed HS row: {dict(row)}")
        parent = row["parent"].strip()
        section = row["section"].strip()
        out.append(HsRow(code=code, level=int(level), parent=None if parent in ("", "TOTAL") else parent,
                         description=row["description"].strip(),
                         section=None if section in ("", "TOTAL") else section))
    return out


def org_order(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Organisation units ordered so that every parent comes before its children."""
    return sorted(rows, key=lambda r: (ORG_LEVELS.index(r["level"]), r["code"]))


@dataclass
class TableChange:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class LoadReport:
    """What one load did, per table. A second load of the same data reports only `unchanged` rows."""

    tables: dict[str, TableChange] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(c.inserted or c.updated for c in self.tables.values())

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {name: change.as_dict() for name, change in self.tables.items()}


def diff_rows(existing: Mapping[str, Mapping[str, Any]], incoming: Iterable[Mapping[str, Any]],
              key: str = "code") -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Split incoming rows into (to insert, to update, number unchanged), comparing on every incoming column.
    Rows that exist but are not in `incoming` are kept: other records may still refer to them."""
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    unchanged = 0
    for row in incoming:
        old = existing.get(row[key])
        if old is None:
            inserts.append(dict(row))
        elif any(old.get(k) != v for k, v in row.items()):
            updates.append(dict(row))
        else:
            unchanged += 1
    return inserts, updates, unchanged


def escape_like(text: str) -> str:
    """Escape LIKE wildcards (with backslash as the escape character)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def hs_digits(code: str) -> str | None:
    """Normalise an HS code as typed ("8471.30", "8471 30 00 00") to its digits, or None if it cannot be one.
    8- and 10-digit China codes resolve to their 6-digit HS subheading."""
    digits = code.replace(".", "").replace(" ", "").strip()
    if not digits.isdigit() or len(digits) not in (2, 4, 6, 8, 10):
        return None
    return digits[:6]
