"""Inspection tables (prefix ``inspection_``) and small repository helpers. Ids of other capabilities'
objects (declarations, enterprises, users) are stored without foreign keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Connection, ForeignKey, Index, Integer, String, Table, Text, select

from smartcustoms.platform.db import JSONType, UTCDateTime, metadata

_STAMPS = ("ordered_at", "assigned_at", "claimed_at", "in_progress_at", "reported_at", "approved_at",
           "rejected_at", "closed_at")

tasks = Table(
    "inspection_tasks", metadata,
    Column("id", String(36), primary_key=True),
    Column("order_key", String(120), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # inspection | recheck
    Column("parent_task_id", String(36), nullable=True),
    Column("declaration_id", String(36), nullable=False, index=True),
    Column("declaration_number", String(18), nullable=False),
    Column("customs_code", String(8), nullable=False, index=True),
    Column("enterprise_id", String(36), nullable=False, index=True),
    Column("source", String(16), nullable=False),
    Column("batch_id", String(64), nullable=True),
    Column("method", String(8), nullable=False),
    Column("unloading_method", String(64), nullable=False, default=""),
    Column("target_items", JSONType, nullable=False),
    Column("instructions", Text, nullable=False, default=""),
    Column("reasons", JSONType, nullable=False),
    Column("officer_id", String(36), nullable=True, index=True),
    Column("assignment", JSONType, nullable=True),
    Column("state", String(16), nullable=False, index=True),
    *[Column(name, UTCDateTime(), nullable=True) for name in _STAMPS],
)

reports = Table(
    "inspection_reports", metadata,
    Column("id", String(36), primary_key=True),
    Column("task_id", String(36), ForeignKey("inspection_tasks.id"), nullable=False, unique=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("inspector_id", String(36), nullable=False),
    Column("findings", JSONType, nullable=False),
    Column("samples", JSONType, nullable=False),
    Column("media_ids", JSONType, nullable=False),
    Column("signature_sha256", String(64), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("location", String(128), nullable=False, default=""),
    Column("submitted_at", UTCDateTime(), nullable=False),
    Column("draw", JSONType, nullable=False),
    Column("judgement", JSONType, nullable=False),
)

media = Table(
    "inspection_media", metadata,
    Column("id", String(36), primary_key=True),
    Column("task_id", String(36), ForeignKey("inspection_tasks.id"), nullable=False, index=True),
    Column("sha256", String(64), nullable=False),
    Column("content_type", String(32), nullable=False),
    Column("size", Integer, nullable=False),
    Column("filename", String(200), nullable=False, default=""),
    Column("uploaded_by", String(36), nullable=False),
    Column("uploaded_at", UTCDateTime(), nullable=False),
    Column("taken_at", UTCDateTime(), nullable=True),
)

drafts = Table(
    "inspection_drafts", metadata,
    Column("task_id", String(36), ForeignKey("inspection_tasks.id"), primary_key=True),
    Column("user_id", String(36), primary_key=True),
    Column("body", JSONType, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

approvals = Table(
    "inspection_approvals", metadata,
    Column("id", String(36), primary_key=True),
    Column("task_id", String(36), ForeignKey("inspection_tasks.id"), nullable=False, index=True),
    Column("chief_id", String(36), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("at", UTCDateTime(), nullable=False),
)

settlements = Table(
    "inspection_settlements", metadata,
    Column("declaration_id", String(36), primary_key=True),
    Column("enterprise_id", String(36), nullable=False, index=True),
    Column("outcome", String(16), nullable=False),
    Column("disposals", JSONType, nullable=False),
    Column("rechecked", Boolean, nullable=False),
    Column("declaration_status", String(24), nullable=True),
    Column("at", UTCDateTime(), nullable=False),
)

fee_exemptions = Table(
    "inspection_fee_exemptions", metadata,
    Column("id", String(36), primary_key=True),
    Column("declaration_id", String(36), nullable=False, unique=True),
    Column("enterprise_id", String(36), nullable=False, index=True),
    Column("task_id", String(36), nullable=False),
    Column("fees", JSONType, nullable=False),
    Column("status", String(16), nullable=False),  # recorded | refunded
    Column("recorded_at", UTCDateTime(), nullable=False),
)

bookings = Table(
    "inspection_bookings", metadata,
    Column("id", String(36), primary_key=True),
    Column("task_id", String(36), ForeignKey("inspection_tasks.id"), nullable=False, index=True),
    Column("enterprise_id", String(36), nullable=False, index=True),
    Column("booked_by", String(36), nullable=False),
    Column("terminal_enterprise_id", String(36), nullable=True, index=True),
    Column("area", String(64), nullable=False),
    Column("slot_at", UTCDateTime(), nullable=False),
    Column("contact", String(64), nullable=False, default=""),
    Column("status", String(16), nullable=False),  # requested | confirmed
    Column("confirmed_by", String(36), nullable=True),
    Column("confirmed_at", UTCDateTime(), nullable=True),
    Column("events", JSONType, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_inspection_bookings_area_slot", "area", "slot_at"),
)

vehicles = Table(
    "inspection_vehicles", metadata,
    Column("id", String(36), primary_key=True),
    Column("vin", String(17), nullable=False, unique=True),
    Column("declaration_id", String(36), nullable=False, index=True),
    Column("enterprise_id", String(36), nullable=False, index=True),
    Column("customs_code", String(8), nullable=False),
    Column("model", String(100), nullable=False, default=""),
    Column("steps", JSONType, nullable=False),
    Column("certificate_no", String(32), nullable=True, unique=True),
    Column("certificate_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

scan_marks = Table(
    # regions a central image reviewer marked on a scan (imaging/manual_inspection_requested), one row per scan;
    # officers in scope see them on the task page, enterprises never do
    "inspection_scan_marks", metadata,
    Column("scan_id", String(64), primary_key=True),
    Column("task_id", String(36), ForeignKey("inspection_tasks.id"), nullable=False, index=True),
    Column("declaration_id", String(36), nullable=False, index=True),
    Column("event_id", String(64), nullable=True),
    Column("reviewer_id", String(64), nullable=False, default=""),
    Column("container_number", String(16), nullable=False, default=""),
    Column("regions", JSONType, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
)


def load(conn: Connection, table: Table, key: Any, *, for_update: bool = False) -> dict[str, Any] | None:
    pk = list(table.primary_key.columns)[0]
    query = select(table).where(pk == key)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def task_stamps(row: dict[str, Any]) -> dict[str, Any]:
    return {name[:-3]: row[name] for name in _STAMPS if row.get(name) is not None}
