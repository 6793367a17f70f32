"""Bad input is refused with a clear message in zh-CN and en and nothing is stored; every endpoint checks who
is asking (inspectors: their own tasks; enterprises: their own bookings and exemptions; auditors read only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from smartcustoms.capabilities.inspection import db
from smartcustoms.platform.audit import audit_log
from tests.e2e.inspection.helpers import CONFORM, order_inspection, png, report
from tests.unit.declarations.factories import OTHER, TRADER


def _count(runtime: Any, table: Any) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_bad_uploads_and_reports_are_refused_and_nothing_is_stored(client: Any, make_user: Any,
                                                                   runtime: Any) -> None:
    inspector = make_user("inspector", org_unit="3104")
    _, task_id = order_inspection(runtime)
    client.post(f"/api/v1/inspection/tasks/{task_id}/start", headers=inspector.headers)
    url = f"/api/v1/inspection/tasks/{task_id}"
    blobs_before = sorted(p.name for p in runtime.settings.blob_dir.rglob("*") if p.is_file()) \
        if runtime.settings.blob_dir.exists() else []
    audit_before = _count(runtime, audit_log)
    big = client.post(f"{url}/media", headers=inspector.headers,
                      files={"file": ("big.png", png(extra=11 * 1024 * 1024), "image/png")})
    assert big.status_code == 422
    assert big.json()["errors"][0]["messages"] == {"zh-CN": "文件超过 10 MB", "en": "The file exceeds 10 MB"}
    pdf = client.post(f"{url}/media", headers=inspector.headers,
                      files={"file": ("x.png", b"%PDF-1.7 not a photo", "image/png")})
    assert pdf.status_code == 422 and pdf.json()["errors"][0]["code"] == "inspection.media_type"
    assert "照片" in pdf.json()["errors"][0]["messages"]["zh-CN"]
    empty = client.post(f"{url}/report", headers=inspector.headers, json=report())
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["messages"] == {"zh-CN": "请至少填写一项查验结果",
                                                     "en": "Record at least one finding"}
    unsigned = client.post(f"{url}/report", headers=inspector.headers, json=report(*CONFORM, signature=""))
    assert [e["code"] for e in unsigned.json()["errors"]] == ["inspection.signature_required"]
    wrong = client.post(f"{url}/report", headers=inspector.headers, json=report(
        {"item_seq": 1, "outcome": "discrepancy", "kind": "colour"}))
    assert wrong.json()["errors"][0]["code"] == "inspection.kind_invalid"
    assert _count(runtime, db.media) == 0 and _count(runtime, db.reports) == 0
    assert _count(runtime, audit_log) == audit_before
    blobs_after = sorted(p.name for p in runtime.settings.blob_dir.rglob("*") if p.is_file()) \
        if runtime.settings.blob_dir.exists() else []
    assert blobs_after == blobs_before


def test_a_task_of_another_officer_is_not_found(client: Any, make_user: Any, runtime: Any) -> None:
    owner = make_user("inspector", org_unit="3104")
    _, task_id = order_inspection(runtime)
    intruder = make_user("inspector", org_unit="3104")
    far = make_user("inspector", org_unit="2200")
    url = f"/api/v1/inspection/tasks/{task_id}"
    for user in (intruder, far):
        for method, path, kwargs in (("get", "", {}), ("post", "/claim", {}), ("post", "/start", {}),
                                     ("post", "/report", {"json": report(*CONFORM)}),
                                     ("post", "/media", {"files": {"file": ("p.png", png(), "image/png")}}),
                                     ("put", "/draft", {"json": {"a": 1}}), ("get", "/draft", {})):
            res = getattr(client, method)(url + path, headers=user.headers, **kwargs)
            assert res.status_code == 404, (method, path, res.text)
            assert res.json()["messages"]["en"] == "Inspection task not found"
    assert client.get(url, headers=owner.headers).status_code == 200
    assert _count(runtime, db.media) == 0 and _count(runtime, db.drafts) == 0


def test_auditors_read_only_and_enterprises_see_only_their_own(client: Any, make_user: Any, runtime: Any,
                                                              clock: Any) -> None:
    inspector = make_user("inspector", org_unit="3104")
    auditor = make_user("auditor", org_unit="3104")
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    other = make_user("enterprise_user", enterprise_id=OTHER.id)
    declaration_id, task_id = order_inspection(runtime)
    url = f"/api/v1/inspection/tasks/{task_id}"
    assert client.get(url, headers=auditor.headers).status_code == 200
    assert client.post(f"{url}/start", headers=auditor.headers).status_code == 403
    assert client.post(f"{url}/claim", headers=auditor.headers).status_code == 403
    for user in (trader, other):
        assert client.get(url, headers=user.headers).status_code == 404
        assert client.get(f"/api/v1/inspection/declarations/{declaration_id}/record",
                          headers=user.headers).status_code == 404
    assert client.get("/api/v1/inspection/kpis", headers=trader.headers).status_code == 403
    slot = (clock.now() + timedelta(days=1)).isoformat()
    body = {"task_id": task_id, "slot_at": slot, "area": "北仑查验区A", "terminal_enterprise_id": OTHER.id}
    assert client.post("/api/v1/inspection/bookings", json=body, headers=other.headers).status_code == 404
    assert client.post("/api/v1/inspection/bookings", json=body, headers=inspector.headers).status_code == 403
    res = client.post("/api/v1/inspection/bookings", json=body, headers=trader.headers)
    assert res.status_code == 201
    booking = res.json()["id"]
    assert client.post("/api/v1/inspection/bookings", json=body, headers=trader.headers).status_code == 409
    assert client.post(f"/api/v1/inspection/bookings/{booking}/confirm", headers=trader.headers).status_code == 403
    assert client.post(f"/api/v1/inspection/bookings/{booking}/confirm", headers=inspector.headers).json() == {
        "status": "confirmed"}
    # the terminal (OTHER operates the area) reports the container moved and unpacked; the trader cannot
    event = {"kind": "container_moved", "container_no": "MSCU1234565"}
    assert client.post(f"/api/v1/inspection/bookings/{booking}/terminal-events", json=event,
                       headers=trader.headers).status_code == 404
    assert client.post(f"/api/v1/inspection/bookings/{booking}/terminal-events", json=event,
                       headers=other.headers).status_code == 201
    assert [b["id"] for b in client.get("/api/v1/inspection/bookings", headers=trader.headers).json()] == [booking]
    assert client.get("/api/v1/inspection/bookings", headers=auditor.headers).json()[0]["events"][0]["kind"] == \
        "container_moved"
    stranger = make_user("enterprise_user", enterprise_id="ent-bad")
    assert client.get("/api/v1/inspection/bookings", headers=stranger.headers).json() == []
    assert client.get("/api/v1/inspection/fee-exemptions", headers=stranger.headers).json() == []


def test_imported_vehicle_flow_and_certificate(client: Any, make_user: Any, runtime: Any) -> None:
    inspector = make_user("inspector", org_unit="3104")
    declaration_id, task_id = order_inspection(runtime)
    bad = client.post("/api/v1/inspection/vehicles", headers=inspector.headers,
                      json={"declaration_id": declaration_id, "vin": "1M8GDM9AXKP042789"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "code.vin.check"
    res = client.post("/api/v1/inspection/vehicles", headers=inspector.headers,
                      json={"declaration_id": declaration_id, "vin": "1M8GDM9AXKP042788", "model": "Coach"})
    assert res.status_code == 201, res.text
    vid = res.json()["id"]
    url = f"/api/v1/inspection/vehicles/{vid}"
    assert client.post(f"{url}/steps", json={"step": "stored"}, headers=inspector.headers).status_code == 409
    for step in ("unpacked", "inspected", "stored"):
        assert client.post(f"{url}/steps", json={"step": step}, headers=inspector.headers).status_code == 200
    assert client.post(f"{url}/certificate", headers=inspector.headers).status_code == 409  # not released yet
    client.post(f"/api/v1/inspection/tasks/{task_id}/start", headers=inspector.headers)
    client.post(f"/api/v1/inspection/tasks/{task_id}/report", json=report(*CONFORM), headers=inspector.headers)
    cert = client.post(f"{url}/certificate", headers=inspector.headers)
    assert cert.status_code == 201 and cert.json()["certificate_no"].startswith("VC2026")
    page = client.get(f"/inspection/vehicles/{vid}/certificate", headers=inspector.headers)
    assert page.status_code == 200 and cert.json()["certificate_no"] in page.text
