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


def recent(conn: Connection, limit: int = 500, customs_codes: Iterable[str] | None = None) -> list[DeclarationView]:
    """The most recently declared declarations (newest first), for dry runs of risk rules."""
    t = db.declarations
    query = select(t).order_by(t.c.declared_at.desc(), t.c.id.desc()).limit(max(1, min(limit, 5000)))
    if customs_codes is not None:
        query = query.where(t.c.customs_code.in_(sorted(customs_codes)))
    rows = [dict(r) for r in conn.execute(query).mappings()]
    items = goods_items(conn, [r["id"] for r in rows])
    return [_view(r, tuple(i["hs_code"] for i in items.get(r["id"], []))) for r in rows]


def goods_items(conn: Connection, declaration_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Goods items (hs_code, quantity, unit, total, currency, origin_country, …) per declaration id."""
    ids = list(declaration_ids)
    out: dict[str, list[dict[str, Any]]] = {}
    i = db.declaration_items
    for start in range(0, len(ids), 500):
        query = select(i).where(i.c.declaration_id.in_(ids[start:start + 500])).order_by(i.c.declaration_id, i.c.seq)
        for r in conn.execute(query).mappings():
            out.setdefault(r["declaration_id"], []).append(dict(r))
    return out


@dataclass(frozen=True)
class ManifestView:
    id: str
    number: str
    port_code: str
    transport_name: str
    voyage: str
    arrival_at: datetime
    filer_id: str


def _manifest(row: Any) -> ManifestView:
    return ManifestView(row["id"], row["number"], row["port_code"], row["transport_name"], row["voyage"],
                        row["arrival_at"], row["filer_id"])


def find_manifest(conn: Connection, number: str) -> ManifestView | None:
    row = conn.execute(select(db.manifests).where(db.manifests.c.number == number.strip())).mappings().first()
    return _manifest(row) if row else None


def get_manifest(conn: Connection, manifest_id: str) -> ManifestView | None:
    row = conn.execute(select(db.manifests).where(db.manifests.c.id == manifest_id)).mappings().first()
    return _manifest(row) if row else None


def manifest_of_bill(conn: Connection, bill_id: str | None) -> str | None:
    """The manifest id a declaration's linked bill (`manifest_bill_id`) belongs to."""
    if not bill_id:
        return None
    query = select(db.manifest_bills.c.manifest_id).where(db.manifest_bills.c.id == bill_id)
    return conn.execute(query).scalar_one_or_none()


def manifests_of_bills(conn: Connection, bill_ids: Iterable[str]) -> dict[str, str]:
    """bill id → manifest id, in one query."""
    ids = sorted({b for b in bill_ids if b})
    if not ids:
        return {}
    b = db.manifest_bills
    return {r.id: r.manifest_id for r in conn.execute(select(b.c.id, b.c.manifest_id).where(b.c.id.in_(ids)))}


def bills_by_number(conn: Connection, bill_nos: Iterable[str]) -> dict[str, str]:
    """bill number → bill id (what `manifest_bill_id` holds)."""
    return db.bills_by_number(conn, bill_nos)


@dataclass(frozen=True)
class ManifestDeclaration:
    id: str
    number: str
    status: str
    channel: str | None
    customs_code: str


def declarations_of_manifest(conn: Connection, manifest_id: str) -> list[ManifestDeclaration]:
    """Declarations linked to any bill of the manifest."""
    t, b = db.declarations, db.manifest_bills
    query = (select(t.c.id, t.c.number, t.c.status, t.c.channel, t.c.customs_code)
             .join(b, b.c.id == t.c.manifest_bill_id).where(b.c.manifest_id == manifest_id).order_by(t.c.number))
    return [ManifestDeclaration(r.id, r.number, r.status, r.channel, r.customs_code) for r in conn.execute(query)]


@dataclass(frozen=True)
class GoodsItemView:
    seq: int
    hs_code: str
    name: str
    spec: str
    quantity: Decimal
    unit: str
    origin_country: str
    total: Decimal
    currency: str
    gross_weight: Decimal | None = None  # goods items carry no weights; the header's totals are in the detail
    net_weight: Decimal | None = None


@dataclass(frozen=True)
class BillView:
    id: str
    bill_no: str
    shipper: str
    consignee: str
    goods_description: str
    packages: int
    gross_weight: Decimal
    containers: tuple[str, ...]
    manifest: ManifestView | None


@dataclass(frozen=True)
class DeclarationDetail:
    """What an officer on the dock needs: the header summary, the goods items and the linked manifest bill with
    its containers (``bill`` is None when the declaration names no filed bill)."""

    id: str
    number: str
    direction: str
    customs_code: str
    trader_name: str
    trader_code: str
    transport_mode: str
    transport_name: str
    bill_no: str | None
    gross_weight: Decimal
    net_weight: Decimal
    packages: int
    total_value: Decimal
    currency: str
    status: str
    items: tuple[GoodsItemView, ...]
    bill: BillView | None


def declaration_detail(conn: Connection, declaration_id: str) -> DeclarationDetail | None:
    """Header summary, goods items (by seq) and the manifest bill with containers; None if unknown."""
    row = db.load_row(conn, declaration_id)
    if row is None:
        return None
    items = tuple(GoodsItemView(
        seq=int(i["seq"]), hs_code=i["hs_code"], name=i["name"], spec=i["spec"], quantity=i["quantity"],
        unit=i["unit"], origin_country=i["origin_country"], total=i["total"], currency=i["currency"])
        for i in db.load_items(conn, declaration_id))
    bill_id = row["manifest_bill_id"]
    if not bill_id and row["bill_no"]:
        bill_id = db.bills_by_number(conn, [row["bill_no"]]).get(row["bill_no"])
    bill = None
    found = db.bill_with_containers(conn, bill_id) if bill_id else None
    if found is not None:
        b, containers = found
        bill = BillView(id=b["id"], bill_no=b["bill_no"], shipper=b["shipper"], consignee=b["consignee"],
                        goods_description=b["goods_description"], packages=int(b["packages"]),
                        gross_weight=b["gross_weight"], containers=tuple(containers),
                        manifest=get_manifest(conn, b["manifest_id"]))
    return DeclarationDetail(
        id=row["id"], number=row["number"], direction=row["direction"], customs_code=row["customs_code"],
        trader_name=row["trader_name"], trader_code=row["trader_code"], transport_mode=row["transport_mode"],
        transport_name=row["transport_name"], bill_no=row["bill_no"], gross_weight=row["gross_weight"],
        net_weight=row["net_weight"], packages=int(row["packages"]), total_value=row["total_value"],
        currency=row["currency"], status=row["status"], items=items, bill=bill)


def declarations_of_container(conn: Connection, container_no: str) -> list[ManifestDeclaration]:
    """Declarations linked to a manifest bill that carries this container (ISO 6346 number), by number."""
    t, c = db.declarations, db.manifest_containers
    query = (select(t.c.id, t.c.number, t.c.status, t.c.channel, t.c.customs_code)
             .join(c, c.c.bill_id == t.c.manifest_bill_id).where(c.c.container_no == container_no.strip().upper())
             .order_by(t.c.number))
    return [ManifestDeclaration(r.id, r.number, r.status, r.channel, r.customs_code) for r in conn.execute(query)]
