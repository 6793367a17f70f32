"""Ingestion (idempotent, corrupt image, unknown container / device / declaration, nothing stored half-way), the
queue's AI pre-sorting and least-loaded assignment, decisions with audit entries and events, feedback labels and
product filings — on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from smartcustoms.capabilities.imaging import db
from smartcustoms.capabilities.imaging.commands import DecideScan, FileProduct, RecordOutcome
from smartcustoms.capabilities.imaging.ports import ANALYSER
from smartcustoms.capabilities.imaging.services import (
    do_decide,
    do_file_product,
    do_next,
    do_record_outcome,
)
from smartcustoms.kernel.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from smartcustoms.platform.audit import audit_log
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.outbox import outbox
from tests.integration.imaging.helpers import FakeAnalyser, assignment_of, ingest, pair, reviewer, setup_devices

REVIEWER = Principal("rev-1", "rev1", "Reviewer 1", frozenset({Role.IMAGE_REVIEWER}))
REVIEWER2 = Principal("rev-2", "rev2", "Reviewer 2", frozenset({Role.IMAGE_REVIEWER}))
INSPECTOR = Principal("insp-1", "insp", "Inspector", frozenset({Role.INSPECTOR}))


def _count(runtime: Any, table: Any) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _errors(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.key for e in exc.errors}


def test_duplicate_upload_returns_the_same_scan(runtime: Any) -> None:
    setup_devices(runtime)
    first, created = ingest(runtime, "S1")
    again, created_again = ingest(runtime, "S1")
    assert created and not created_again
    assert again["id"] == first["id"]
    assert _count(runtime, db.imaging_scans) == 1
    assert runtime.blobs.exists(first["high_sha256"]) and runtime.blobs.exists(first["low_sha256"])
    with pytest.raises(Conflict):  # same device scan id, other images
        ingest(runtime, "S1", seed=2)


def test_bad_input_gives_field_errors_and_stores_nothing(runtime: Any) -> None:
    setup_devices(runtime)
    high, low = pair()
    corrupt = bytearray(high)
    corrupt[len(corrupt) // 2] ^= 0xFF
    with pytest.raises(ValidationFailed) as exc:
        ingest(runtime, "S2", high=bytes(corrupt), container_number="MSKU1234567", device_id="H986-OFF",
               declaration_id="no-such-declaration")
    assert _errors(exc.value) == {"high": "imaging.image_corrupt", "container_number": "imaging.container_invalid",
                                  "device_id": "imaging.device_inactive",
                                  "declaration_id": "imaging.declaration_unknown"}
    with pytest.raises(ValidationFailed) as exc:
        ingest(runtime, "S3", low=b"not a png", device_id="NOPE")
    assert _errors(exc.value) == {"low": "imaging.image_corrupt", "device_id": "imaging.device_unknown"}
    assert _count(runtime, db.imaging_scans) == 0
    assert _count(runtime, audit_log) == 3  # the site and two devices only
    # the messages exist in both languages
    text = runtime.translator.t("imaging.container_invalid", "en")
    assert "ISO 6346" in text and "ISO 6346" in runtime.translator.t("imaging.container_invalid", "zh-CN")


def test_queue_is_pre_sorted_by_ai_risk_and_assignment_is_least_loaded(runtime: Any, make_user: Any,
                                                                        clock: Any) -> None:
    setup_devices(runtime)
    first, second = reviewer(runtime, make_user), reviewer(runtime, make_user)
    runtime.ports[ANALYSER].set(FakeAnalyser([0.2, 0.9, 0.5, 0.7, 0.1]))
    ids = [ingest(runtime, f"Q{i}", seed=i)[0]["id"] for i in range(3)]
    # nobody on duty: queued; the reviewer pulls the highest risk first
    assert do_next(runtime, first) == ids[1]
    assert do_next(runtime, first) == ids[1]  # still theirs until decided
    clock.advance(minutes=1)
    assert do_next(runtime, second) == ids[2]  # next highest
    do_decide(runtime, second, DecideScan(ids[2], "pass"))
    # both on duty; a scan of no risk batch goes to the least-loaded reviewer (the second has none open)
    new, _ = ingest(runtime, "Q3", seed=3)
    assert new["assigned_to"] == second.user_id and new["status"] == "assigned"
    new2, _ = ingest(runtime, "Q4", seed=4)
    assert new2["assigned_to"] == first.user_id  # tie (one open each): on duty longest (the first pulled first)
    with runtime.engine.connect() as conn:
        on_duty = conn.execute(select(audit_log.c.subject_id).where(
            audit_log.c.action == "imaging.reviewer_on_duty")).scalars().all()
    assert assignment_of(runtime, new2["id"]) == {"rule": "least_loaded",
                                                  "candidates": sorted([first.user_id, second.user_id])}
    assert sorted(on_duty) == sorted([first.user_id, second.user_id])  # each spell on duty audited once


def test_a_reviewer_on_duty_outside_the_scans_customs_is_never_assigned(runtime: Any, make_user: Any) -> None:
    setup_devices(runtime)  # the site belongs to Beilun customs (3104)
    shanghai = reviewer(runtime, make_user, org_unit="2200")
    assert do_next(runtime, shanghai) is None
    scan, _ = ingest(runtime, "OUT-1")
    assert scan["assigned_to"] is None and scan["status"] == "queued"
    assert do_next(runtime, shanghai) is None  # and cannot pull it either


def test_suspect_decision_is_audited_emits_events_and_stores_labels(runtime: Any) -> None:
    setup_devices(runtime)
    scan, _ = ingest(runtime, "D1")
    scan_id = scan["id"]
    do_next(runtime, REVIEWER)
    with pytest.raises(ValidationFailed) as exc:
        do_decide(runtime, REVIEWER, DecideScan(scan_id, "suspect", []))
    assert _errors(exc.value) == {"regions": "imaging.regions_required"}
    with pytest.raises(ValidationFailed):
        do_decide(runtime, REVIEWER, DecideScan(scan_id, "suspect", [{"x": 0, "y": 0, "w": 9999, "h": 5}]))
    with pytest.raises(PermissionDenied):
        do_decide(runtime, INSPECTOR, DecideScan(scan_id, "pass"))
    with pytest.raises(Conflict):
        do_decide(runtime, REVIEWER2, DecideScan(scan_id, "pass"))  # assigned to rev-1
    region = {"x": 10, "y": 5, "w": 20, "h": 12, "label": "weapon"}
    do_decide(runtime, REVIEWER, DecideScan(scan_id, "suspect", [region], "dense object behind cartons"))
    with pytest.raises(IllegalTransition):
        do_decide(runtime, REVIEWER, DecideScan(scan_id, "pass"))
    with runtime.engine.connect() as conn:
        row = db.load_scan(conn, scan_id)
        assert row is not None and row["decision"] == "suspect" and row["regions"] == [region]
        entry = conn.execute(select(audit_log).where(audit_log.c.action == "imaging.scan_decided")).mappings().one()
        assert entry["subject_id"] == scan_id and entry["after"]["regions"] == [region]
        events = {r["topic"]: r["payload"] for r in conn.execute(select(outbox)).mappings()}
    assert events["imaging/scan_decided"]["decision"] == "suspect"
    request = events["imaging/manual_inspection_requested"]
    assert request["scan_id"] == scan_id and request["regions"] == [region] and request["reviewer_id"] == "rev-1"
    do_record_outcome(runtime, INSPECTOR, RecordOutcome(scan_id, "anomaly", "pistol"))
    with runtime.engine.connect() as conn:
        sources = [r["source"] for r in db.labels(conn)]
    assert sources == ["review", "manual_inspection"]


def test_product_filing_needs_a_certified_own_enterprise(runtime: Any) -> None:
    ent_id = _enterprise(runtime, "advanced_certified")
    user = Principal("e-1", "ent", "Ent", frozenset({Role.ENTERPRISE_USER}), enterprise_id=ent_id)
    high, low = pair(5)
    filing = do_file_product(runtime, user, FileProduct(ent_id, "棉质T恤", "6109100021", "cotton", high, low, 40.0))
    with runtime.engine.connect() as conn:
        row = db.one(conn, db.imaging_filings, id=filing)
    assert row is not None and row["goods_kind"] == "textiles" and len(row["signature"]) == 18
    other = Principal("e-2", "ent2", "Ent2", frozenset({Role.ENTERPRISE_USER}), enterprise_id="someone-else")
    with pytest.raises(PermissionDenied):
        do_file_product(runtime, other, FileProduct(ent_id, "x", "6109100021", "", high, low, 40.0))
    weak = _enterprise(runtime, "general", code="3104960002")
    weak_user = Principal("e-3", "ent3", "Ent3", frozenset({Role.ENTERPRISE_USER}), enterprise_id=weak)
    with pytest.raises(ValidationFailed) as exc:
        do_file_product(runtime, weak_user, FileProduct(weak, "x", "61091000", "", high, b"x", 40.0))
    assert _errors(exc.value) == {"hs_code": "imaging.hs_invalid", "low": "imaging.image_corrupt",
                                  "enterprise_id": "imaging.filing_grade"}


def _enterprise(runtime: Any, grade: str, code: str = "3104960001") -> str:
    """An enterprise row with the given credit grade, through the enterprise tables (test set-up only)."""
    import uuid
    from datetime import date

    from smartcustoms.capabilities.enterprise import db as edb

    ent_id = str(uuid.uuid4())
    now = runtime.clock.now()
    with runtime.engine.begin() as conn:
        conn.execute(edb.enterprises.insert().values(
            id=ent_id, uscc="91330206MA2AXXXX" + code[-2:], customs_code=code, name_zh="测试企业", name_en="Test",
            kind="trader", registered_customs="3104", registered_on=date(2020, 1, 1), registered_at=now,
            updated_at=now))
        conn.execute(edb.enterprise_credit_grades.insert().values(
            enterprise_id=ent_id, grade=grade, effective_from=date(2020, 1, 1), reason="test", recorded_by="test",
            recorded_at=now))
    return ent_id
