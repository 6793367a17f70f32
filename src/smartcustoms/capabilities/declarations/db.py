"""Tables and repository functions. The clearance stages are columns on the declaration row, so clearance-time
queries are plain column arithmetic. No foreign keys to other capabilities' tables (enterprise ids are
checked by the service)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    TypeDecorator,
    exists,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeEngine

from smartcustoms.capabilities.declarations.domain import (
    STAGES,
    STAMP_FIELDS,
    Channel,
    Declaration,
    Direction,
    GoodsItem,
    InspectionResult,
    Lifecycle,
    Quantity,
    Reason,
    Status,
)
from smartcustoms.platform.db import JSONType, UTCDateTime, metadata


class Dec(TypeDecorator[Decimal]):
    """Exact decimals everywhere: NUMERIC on PostgreSQL, text on SQLite (which has no decimal type)."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision, self.scale = precision, scale

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))


def _stage_columns() -> list[Column[Any]]:
    return [Column(f"{stage.value}_at", UTCDateTime(), nullable=True) for stage in STAGES]


declarations = Table(
    "declarations", metadata,
    Column("id", String(32), primary_key=True),
    Column("number", String(18), nullable=False, unique=True),
    Column("direction", String(1), nullable=False),
    Column("customs_code", String(4), nullable=False),
    Column("port_code", String(4), nullable=False),
    Column("trader_id", String(64), nullable=False, index=True),
    Column("trader_code", String(18), nullable=False),
    Column("trader_name", String(200), nullable=False),
    Column("owner_id", String(64), nullable=True, index=True),
    Column("owner_code", String(18), nullable=True),
    Column("agent_id", String(64), nullable=False, index=True),
    Column("agent_code", String(18), nullable=False),
    Column("trade_mode", String(4), nullable=False),
    Column("transport_mode", String(1), nullable=False),
    Column("transport_name", String(100), nullable=False),
    Column("bill_no", String(64), nullable=True, index=True),
    Column("manifest_bill_id", String(32), nullable=True),
    Column("trade_country", String(3), nullable=False),
    Column("departure_country", String(3), nullable=False),
    Column("destination_country", String(3), nullable=False),
    Column("terms", String(1), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("gross_weight", Dec(16, 3), nullable=False),
    Column("net_weight", Dec(16, 3), nullable=False),
    Column("packages", Integer, nullable=False),
    Column("total_value", Dec(20, 2), nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("status", String(24), nullable=False, index=True),
    Column("channel", String(16), nullable=True),
    Column("reasons", JSONType, nullable=False),
    Column("inspection_result", String(16), nullable=True),
    Column("submitted_by", String(64), nullable=False),
    *_stage_columns(),
    Index("ix_declarations_customs_declared", "customs_code", "declared_at"),
)

declaration_items = Table(
    "declaration_items", metadata,
    Column("declaration_id", String(32), ForeignKey("declarations.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("hs_code", String(10), nullable=False),
    Column("name", String(200), nullable=False),
    Column("spec", String(300), nullable=False),
    Column("quantity", Dec(19, 5), nullable=False),
    Column("unit", String(3), nullable=False),
    Column("legal_quantity", Dec(19, 5), nullable=False),
    Column("legal_unit", String(3), nullable=False),
    Column("unit_price", Dec(19, 4), nullable=False),
    Column("total", Dec(19, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("origin_country", String(3), nullable=False),
    Column("destination_country", String(3), nullable=False),
    PrimaryKeyConstraint("declaration_id", "seq"),
)

declaration_attachments = Table(
    "declaration_attachments", metadata,
    Column("id", String(32), primary_key=True),
    Column("declaration_id", String(32), ForeignKey("declarations.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("kind", String(24), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    Column("uploaded_at", UTCDateTime(), nullable=False),
)

manifests = Table(
    "manifests", metadata,
    Column("id", String(32), primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("transport_mode", String(1), nullable=False),
    Column("transport_name", String(100), nullable=False),
    Column("voyage", String(32), nullable=False),
    Column("port_code", String(4), nullable=False, index=True),
    Column("arrival_at", UTCDateTime(), nullable=False),
    Column("filer_id", String(64), nullable=False, index=True),
    Column("filed_by", String(64), nullable=False),
    Column("filed_at", UTCDateTime(), nullable=False),
)

manifest_bills = Table(
    "manifest_bills", metadata,
    Column("id", String(32), primary_key=True),
    Column("manifest_id", String(32), ForeignKey("manifests.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("bill_no", String(64), nullable=False, unique=True),
    Column("shipper", String(200), nullable=False),
    Column("consignee", String(200), nullable=False),
    Column("goods_description", String(500), nullable=False),
    Column("packages", Integer, nullable=False),
    Column("gross_weight", Dec(16, 3), nullable=False),
)

manifest_containers = Table(
    "manifest_containers", metadata,
    Column("bill_id", String(32), ForeignKey("manifest_bills.id", ondelete="CASCADE"), nullable=False),
    Column("container_no", String(11), nullable=False, index=True),
    PrimaryKeyConstraint("bill_id", "container_no"),
)


# --- declarations ----------------------------------------------------------------------------------------------
def _lifecycle_values(lc: Lifecycle) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(lc, name) for name in STAMP_FIELDS.values()}
    values.update(status=lc.status.value, channel=lc.channel.value if lc.channel else None,
                  reasons=[{"rule": r.rule, "key": r.key, "params": dict(r.params)} for r in lc.reasons],
                  inspection_result=lc.inspection_result.value if lc.inspection_result else None)
    return values


def header_row(d: Declaration, submitted_by: str, manifest_bill_id: str | None) -> dict[str, Any]:
    return {"id": d.id, "number": d.number, "direction": d.direction.value, "customs_code": d.customs_code,
            "port_code": d.port_code, "trader_id": d.trader_id, "trader_code": d.trader_code,
            "trader_name": d.trader_name, "owner_id": d.owner_id, "owner_code": d.owner_code,
            "agent_id": d.agent_id, "agent_code": d.agent_code, "trade_mode": d.trade_mode,
            "transport_mode": d.transport_mode, "transport_name": d.transport_name, "bill_no": d.bill_no,
            "manifest_bill_id": manifest_bill_id, "trade_country": d.trade_country,
            "departure_country": d.departure_country, "destination_country": d.destination_country,
            "terms": d.terms, "currency": d.currency, "gross_weight": d.gross_weight, "net_weight": d.net_weight,
            "packages": d.packages, "total_value": d.total_value, "item_count": len(d.items),
            "submitted_by": submitted_by, **_lifecycle_values(d.lifecycle)}


def item_rows(d: Declaration) -> list[dict[str, Any]]:
    return [{"declaration_id": d.id, "seq": i.seq, "hs_code": i.hs_code, "name": i.name, "spec": i.spec,
             "quantity": i.quantity.amount, "unit": i.quantity.unit, "legal_quantity": i.legal_quantity.amount,
             "legal_unit": i.legal_quantity.unit, "unit_price": i.unit_price, "total": i.total,
             "currency": i.currency, "origin_country": i.origin_country,
             "destination_country": i.destination_country} for i in d.items]


class DuplicateKey(Exception):
    """A unique constraint refused a row (a declaration number submitted concurrently)."""


def insert_declarations(conn: Connection, rows: Sequence[Mapping[str, Any]],
                        items: Sequence[Mapping[str, Any]]) -> None:
    """Bulk insert of headers and their goods items: COPY on PostgreSQL, executemany elsewhere.
    Raises DuplicateKey when a unique constraint refuses a row (the caller's transaction is then void)."""
    if conn.engine.dialect.name == "postgresql":
        import psycopg

        try:
            _copy(conn, declarations, rows)
            _copy(conn, declaration_items, items)
        except psycopg.errors.UniqueViolation as exc:
            raise DuplicateKey(str(exc)) from None
        return
    try:
        if rows:
            conn.execute(declarations.insert(), list(rows))
        if items:
            conn.execute(declaration_items.insert(), list(items))
    except IntegrityError as exc:
        raise DuplicateKey(str(exc)) from None


def _copy(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """COPY rows into `table` inside the connection's transaction (JSON columns wrapped as jsonb)."""
    if not rows:
        return
    from psycopg.types.json import Jsonb

    names = [c.name for c in table.columns]
    json_cols = {c.name for c in table.columns if c.type is JSONType or isinstance(c.type, type(JSONType))}
    raw = conn.connection.driver_connection
    assert raw is not None
    statement = f'COPY "{table.name}" ({", ".join(f"{n}" for n in names)}) FROM STDIN'
    with raw.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row([Jsonb(row[n]) if n in json_cols else row.get(n) for n in names])


def existing_numbers(conn: Connection, numbers: Iterable[str]) -> set[str]:
    wanted = list(set(numbers))
    found: set[str] = set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start:start + 1000]
        found.update(conn.execute(select(declarations.c.number).where(declarations.c.number.in_(chunk))).scalars())
    return found


def bills_by_number(conn: Connection, bill_nos: Iterable[str]) -> dict[str, str]:
    wanted = list({b for b in bill_nos if b})
    if not wanted:
        return {}
    rows = conn.execute(select(manifest_bills.c.bill_no, manifest_bills.c.id)
                        .where(manifest_bills.c.bill_no.in_(wanted))).all()
    return {r.bill_no: r.id for r in rows}


def lifecycle_of(row: Mapping[str, Any]) -> Lifecycle:
    return Lifecycle(
        status=Status(row["status"]), **{f"{s.value}_at": row[f"{s.value}_at"] for s in STAGES},
        channel=Channel(row["channel"]) if row["channel"] else None,
        reasons=tuple(Reason(r["rule"], r["key"], r.get("params", {})) for r in (row["reasons"] or [])),
        inspection_result=InspectionResult(row["inspection_result"]) if row["inspection_result"] else None)


def declaration_of(row: Mapping[str, Any], items: Sequence[Mapping[str, Any]] = ()) -> Declaration:
    return Declaration(
        id=row["id"], number=row["number"], direction=Direction(row["direction"]), customs_code=row["customs_code"],
        port_code=row["port_code"], trader_id=row["trader_id"], trader_code=row["trader_code"],
        trader_name=row["trader_name"], owner_id=row["owner_id"], owner_code=row["owner_code"],
        agent_id=row["agent_id"], agent_code=row["agent_code"], trade_mode=row["trade_mode"],
        transport_mode=row["transport_mode"], transport_name=row["transport_name"], bill_no=row["bill_no"],
        trade_country=row["trade_country"], departure_country=row["departure_country"],
        destination_country=row["destination_country"], terms=row["terms"], currency=row["currency"],
        gross_weight=row["gross_weight"], net_weight=row["net_weight"], packages=row["packages"],
        items=tuple(GoodsItem(seq=i["seq"], hs_code=i["hs_code"], name=i["name"], spec=i["spec"],
                              quantity=Quantity(i["quantity"], i["unit"]),
                              legal_quantity=Quantity(i["legal_quantity"], i["legal_unit"]),
                              unit_price=i["unit_price"], total=i["total"], currency=i["currency"],
                              origin_country=i["origin_country"], destination_country=i["destination_country"])
                    for i in items),
        lifecycle=lifecycle_of(row))


def load_row(conn: Connection, declaration_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
    query = select(declarations).where(declarations.c.id == declaration_id)
    if for_update and conn.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def load_items(conn: Connection, declaration_id: str) -> list[dict[str, Any]]:
    query = (select(declaration_items).where(declaration_items.c.declaration_id == declaration_id)
             .order_by(declaration_items.c.seq))
    return [dict(r) for r in conn.execute(query).mappings()]


def save_lifecycle(conn: Connection, declaration_id: str, lc: Lifecycle, expected: Status) -> bool:
    """Write the new lifecycle if the row is still in `expected` (optimistic check); False otherwise."""
    result = conn.execute(update(declarations)
                          .where(declarations.c.id == declaration_id, declarations.c.status == expected.value)
                          .values(**_lifecycle_values(lc)))
    return result.rowcount == 1


# --- attachments -----------------------------------------------------------------------------------------------
def attachments_of(conn: Connection, declaration_id: str) -> list[dict[str, Any]]:
    query = (select(declaration_attachments).where(declaration_attachments.c.declaration_id == declaration_id)
             .order_by(declaration_attachments.c.uploaded_at, declaration_attachments.c.id))
    return [dict(r) for r in conn.execute(query).mappings()]


def attachment(conn: Connection, declaration_id: str, attachment_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(declaration_attachments).where(
        declaration_attachments.c.declaration_id == declaration_id,
        declaration_attachments.c.id == attachment_id)).mappings().first()
    return dict(row) if row else None


# --- listing -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListFilter:
    status: str | None = None
    direction: str | None = None
    customs_code: str | None = None
    trader: str | None = None
    """The trader's enterprise id (the service resolves a USCC or customs code first)."""
    declared_from: datetime | None = None
    declared_to: datetime | None = None
    hs_chapter: str | None = None
    number: str | None = None
    """A prefix of the declaration number."""


def search(conn: Connection, *, enterprise_id: str | None, customs_scope: frozenset[str] | None,
           everything: bool, flt: ListFilter, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    """One page of declarations (newest first) visible to the caller, and the total count.
    `enterprise_id`: only where it is trader, owner or agent. `customs_scope`: only those customs codes.
    `everything`: no restriction (officers with the whole service in scope)."""
    t = declarations
    where: list[Any] = []
    if enterprise_id is not None:
        where.append(or_(t.c.trader_id == enterprise_id, t.c.owner_id == enterprise_id,
                         t.c.agent_id == enterprise_id))
    elif customs_scope is not None:
        where.append(t.c.customs_code.in_(sorted(customs_scope)))
    elif not everything:
        where.append(false())
    if flt.status:
        where.append(t.c.status == flt.status)
    if flt.direction:
        where.append(t.c.direction == flt.direction)
    if flt.customs_code:
        where.append(t.c.customs_code == flt.customs_code)
    if flt.trader:
        where.append(t.c.trader_id == flt.trader)
    if flt.declared_from:
        where.append(t.c.declared_at >= flt.declared_from)
    if flt.declared_to:
        where.append(t.c.declared_at < flt.declared_to)
    if flt.number:
        where.append(t.c.number.startswith(flt.number.strip(), autoescape=True))
    if flt.hs_chapter:
        i = declaration_items
        where.append(exists(select(i.c.seq).where(i.c.declaration_id == t.c.id,
                                                  i.c.hs_code.startswith(flt.hs_chapter[:2], autoescape=True))))
    total = conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
    query = (select(t).where(*where).order_by(t.c.declared_at.desc(), t.c.id.desc())
             .limit(size).offset((page - 1) * size))
    return [dict(r) for r in conn.execute(query).mappings()], int(total)


def arrival_of(conn: Connection, manifest_bill_id: str | None) -> datetime | None:
    if not manifest_bill_id:
        return None
    query = (select(manifests.c.arrival_at).select_from(manifests.join(manifest_bills,
                                                                       manifest_bills.c.manifest_id == manifests.c.id))
             .where(manifest_bills.c.id == manifest_bill_id))
    return conn.execute(query).scalar_one_or_none()


def bill_with_containers(conn: Connection, bill_id: str) -> tuple[dict[str, Any], list[str]] | None:
    """A manifest bill row and its container numbers (sorted); None if the bill is unknown."""
    row = conn.execute(select(manifest_bills).where(manifest_bills.c.id == bill_id)).mappings().first()
    if row is None:
        return None
    containers = conn.execute(select(manifest_containers.c.container_no).where(
        manifest_containers.c.bill_id == bill_id).order_by(manifest_containers.c.container_no)).scalars().all()
    return dict(row), [str(c) for c in containers]
