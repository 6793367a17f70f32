"""Tables of the imaging capability and their repository functions. Images live in the blob store; a row keeps
their SHA-256, so a scan is either fully stored (both blobs + row, one transaction after the blobs) or not at all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)

from smartcustoms.platform.db import JSONType, UTCDateTime, metadata

imaging_sites = Table(
    "imaging_sites", metadata,
    Column("id", String(32), primary_key=True),
    Column("name_zh", String(128), nullable=False),
    Column("name_en", String(128), nullable=False),
    Column("terminal", String(128), nullable=False),
    Column("customs_code", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

imaging_devices = Table(
    "imaging_devices", metadata,
    Column("id", String(32), primary_key=True),
    Column("site_id", String(32), nullable=False),
    Column("model", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

imaging_scans = Table(
    "imaging_scans", metadata,
    Column("id", String(36), primary_key=True),
    Column("device_id", String(32), nullable=False),
    Column("device_scan_id", String(64), nullable=False),
    Column("site_id", String(32), nullable=False),
    Column("customs_code", String(16), nullable=False),
    Column("container_number", String(11), nullable=False),
    Column("size", String(2), nullable=False),
    Column("px_mm", Float, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("high_sha256", String(64), nullable=False),
    Column("low_sha256", String(64), nullable=False),
    Column("scanned_at", UTCDateTime(), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("declaration_id", String(64), nullable=True),
    Column("inspection_ref", String(64), nullable=True),
    Column("enterprise_id", String(64), nullable=True),
    Column("declared_goods", String(32), nullable=True),
    Column("status", String(16), nullable=False),
    Column("risk", Float, nullable=True),
    Column("analysis", JSONType, nullable=True),
    Column("model_version", String(64), nullable=True),
    Column("assigned_to", String(64), nullable=True),
    Column("assigned_at", UTCDateTime(), nullable=True),
    Column("decision", String(16), nullable=True),
    Column("regions", JSONType, nullable=True),
    Column("note", Text, nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", UTCDateTime(), nullable=True),
    Column("outcome", String(16), nullable=True),
    UniqueConstraint("device_id", "device_scan_id", name="uq_imaging_scans_device_scan"),
    Index("ix_imaging_scans_queue", "status", "risk"),
    Index("ix_imaging_scans_assigned", "assigned_to", "status"),
    Index("ix_imaging_scans_declaration", "declaration_id"),
)

imaging_notices = Table(
    "imaging_notices", metadata,
    Column("device_id", String(32), primary_key=True),
    Column("device_scan_id", String(64), primary_key=True),
    Column("container_number", String(11), nullable=False),
    Column("scanned_at", UTCDateTime(), nullable=True),
    Column("declaration_id", String(64), nullable=True),
    Column("noticed_at", UTCDateTime(), nullable=False),
    Column("scan_id", String(36), nullable=True),
)

imaging_duty = Table(
    "imaging_duty", metadata,
    Column("user_id", String(64), primary_key=True),
    Column("since", UTCDateTime(), nullable=False),
    Column("last_seen", UTCDateTime(), nullable=False),
)

imaging_filings = Table(
    "imaging_filings", metadata,
    Column("id", String(36), primary_key=True),
    Column("enterprise_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("hs_code", String(10), nullable=False),
    Column("goods_kind", String(32), nullable=True),
    Column("description", Text, nullable=False),
    Column("high_sha256", String(64), nullable=False),
    Column("low_sha256", String(64), nullable=False),
    Column("px_mm", Float, nullable=False),
    Column("signature", JSONType, nullable=True),
    Column("filed_by", String(64), nullable=False),
    Column("filed_at", UTCDateTime(), nullable=False),
    Index("ix_imaging_filings_enterprise", "enterprise_id"),
)

imaging_labels = Table(
    "imaging_labels", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scan_id", String(36), nullable=False),
    Column("source", String(24), nullable=False),  # review / manual_inspection
    Column("label", JSONType, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_imaging_labels_scan", "scan_id"),
)


def one(conn: Connection, table: Table, **where: Any) -> dict[str, Any] | None:
    query = select(table)
    for k, v in where.items():
        query = query.where(table.c[k] == v)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def add(conn: Connection, table: Table, values: Mapping[str, Any]) -> None:
    conn.execute(insert(table).values(**values))


def change(conn: Connection, table: Table, key: str, value: Any, **values: Any) -> None:
    conn.execute(update(table).where(table.c[key] == value).values(**values))


def load_scan(conn: Connection, scan_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
    query = select(imaging_scans).where(imaging_scans.c.id == scan_id)
    if for_update and conn.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def next_unassigned(conn: Connection, scope: frozenset[str] | None = None) -> dict[str, Any] | None:
    """The highest-risk queued scan (no analysis counts as 0.5) within the reviewer's customs scope (None: all),
    first received first; SKIP LOCKED on PostgreSQL so reviewers pulling at once never get the same scan."""
    risk = func.coalesce(imaging_scans.c.risk, 0.5)
    query = select(imaging_scans).where(imaging_scans.c.status == "queued")
    if scope is not None:
        query = query.where(imaging_scans.c.customs_code.in_(sorted(scope)))
    query = query.order_by(risk.desc(), imaging_scans.c.received_at, imaging_scans.c.id).limit(1)
    if conn.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def open_counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(imaging_scans.c.assigned_to, func.count()).where(
        imaging_scans.c.status == "assigned").group_by(imaging_scans.c.assigned_to)).all()
    return {str(u): int(n) for u, n in rows if u}


def queue(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    risk = func.coalesce(imaging_scans.c.risk, 0.5)
    query = (select(imaging_scans).where(imaging_scans.c.status != "decided")
             .order_by(risk.desc(), imaging_scans.c.received_at, imaging_scans.c.id).limit(limit))
    return [dict(r) for r in conn.execute(query).mappings()]


def labels(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(imaging_labels).order_by(imaging_labels.c.id)).mappings()]
