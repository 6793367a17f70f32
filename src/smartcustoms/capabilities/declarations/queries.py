"""Read models other capabilities may import (declare ``depends_on=("declarations",)``): a declaration's
summary and clearance-time statistics (WCO Time Release Study: mean, median and 24-hour exceedance of
acceptance → release, by channel). No access checks here: callers apply their own."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from smartcustoms.capabilities.declarations import db


@dataclass(frozen=True)
class DeclarationView:
    id: str
    number: str
    direction: str
    customs_code: str
    port_code: str
    trader_id: str
    owner_id: str | None
    agent_id: str
    trade_mode: str
    status: str
    channel: str | None
    total_value: Decimal
    currency: str
    item_count: int
    declared_at: datetime | None
    accepted_at: datetime | None
    released_at: datetime | None
    hs_codes: tuple[str, ...]


def _view(row: Any, hs_codes: tuple[str, ...]) -> DeclarationView:
    return DeclarationView(
        id=row["id"], number=row["number"], direction=row["direction"], customs_code=row["customs_code"],
        port_code=row["port_code"], trader_id=row["trader_id"], owner_id=row["owner_id"], agent_id=row["agent_id"],
        trade_mode=row["trade_mode"], status=row["status"], channel=row["channel"], total_value=row["total_value"],
        currency=row["currency"], item_count=row["item_count"], declared_at=row["declared_at"],
        accepted_at=row["accepted_at"], released_at=row["released_at"], hs_codes=hs_codes)


def get_declaration(conn: Connection, declaration_id: str) -> DeclarationView | None:
    row = db.load_row(conn, declaration_id)
    if row is None:
        return None
    return _view(row, tuple(i["hs_code"] for i in db.load_items(conn, declaration_id)))


def find_by_number(conn: Connection, number: str) -> DeclarationView | None:
    found = conn.execute(select(db.declarations.c.id).where(db.declarations.c.number == number.strip())).scalar()
    return get_declaration(conn, found) if found else None


@dataclass(frozen=True)
class ClearanceStats:
    """Acceptance → release in hours, for the declarations released in the period."""

    channel: str
    count: int
    mean_hours: float
    median_hours: float
    over_24h: int


def clearance_stats(conn: Connection, since: datetime, until: datetime,
                    customs_codes: Iterable[str] | None = None) -> list[ClearanceStats]:
    """Per channel (and ``all``), for declarations released in [since, until)."""
    t = db.declarations
    query = select(t.c.channel, t.c.accepted_at, t.c.released_at).where(
        t.c.released_at >= since, t.c.released_at < until, t.c.accepted_at.is_not(None))
    if customs_codes is not None:
        query = query.where(t.c.customs_code.in_(sorted(customs_codes)))
    hours: dict[str, list[float]] = {}
    for channel, accepted, released in conn.execute(query):
        value = (released - accepted).total_seconds() / 3600
        hours.setdefault(channel or "unknown", []).append(value)
        hours.setdefault("all", []).append(value)
    return [ClearanceStats(channel, len(values), round(statistics.fmean(values), 2),
                           round(statistics.median(values), 2), sum(1 for v in values if v > 24))
            for channel, values in sorted(hours.items())]
