"""Submission, screening and the officers' steps through the API, with the audit chain and the outbox."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from smartcustoms.capabilities.declarations import db
from smartcustoms.platform import audit, outbox
from tests.unit.declarations.factories import BROKER, OTHER, TRADER, as_json, line, submission


def topics(runtime: Any) -> list[str]:
    with runtime.engine.connect() as conn:
        return [m["topic"] for m in outbox.pending(conn)]


def count(runtime: Any, table: Any) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def declaration_entries(runtime: Any) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit.audit_log)
                                .where(audit.audit_log.c.subject_type == "declaration")).scalar_one())


def test_ordinary_declaration_is_released_at_once(client: Any, make_user: Any, runtime: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    res = client.post("/api/v1/declarations", json=as_json(submission(items=5)), headers=trader.headers)
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["status"] == "released" and body["channel"] == "release" and len(body["items"]) == 5
    assert set(body["stages"]) == {"declared_at", "accepted_at", "screened_at", "released_at"}
    assert topics(runtime) == ["declarations/submitted", "declarations/accepted", "declarations/screened",
                               "declarations/released"]
    trail = client.get(f"/api/v1/declarations/{body['id']}/audit", headers=trader.headers).json()["entries"]
    assert [e["action"] for e in trail] == ["declarations.submit", "declarations.accept", "declarations.screen",
                                            "declarations.release"]
    with runtime.engine.connect() as conn:
        checked, breaks = audit.verify(conn)
        tenants = {r["tenant"] for r in audit.trail(conn, "declaration", body["id"])}
    assert checked == 5 and breaks == []  # + the user's creation
    assert tenants == {TRADER.id}


def test_inspection_path_and_timeline(client: Any, make_user: Any, runtime: Any, clock: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    inspector = make_user("inspector", org_unit="3104")
    chief = make_user("section_chief", org_unit="3100")
    cmd = replace(submission(items=2), items=(line(1), line(2, hs_code="9302000000")))
    body = client.post("/api/v1/declarations", json=as_json(cmd), headers=trader.headers).json()
    assert body["status"] == "inspection_ordered" and body["channel"] == "inspection"
    assert body["reasons"][0]["rule"] == "sensitive_chapter"
    assert body["reasons"][0]["messages"] == {"zh-CN": "第93章 武器、弹药", "en": "Chapter 93: arms and ammunition"}
    url = f"/api/v1/declarations/{body['id']}/transitions"
    assert client.post(f"{url}/release", headers=inspector.headers).status_code == 409  # must be inspected first
    clock.advance(minutes=30)  # tokens live an hour
    res = client.post(f"{url}/record_inspection", json={"result": "bogus"}, headers=inspector.headers)
    assert res.status_code == 422
    res = client.post(f"{url}/record_inspection", json={"result": "conform", "note": "开箱查验正常"},
                      headers=inspector.headers)
    assert res.status_code == 200 and res.json()["status"] == "inspected"
    clock.advance(minutes=15)
    assert client.post(f"{url}/release", headers=inspector.headers).json()["status"] == "released"
    assert client.post(f"{url}/close", headers=inspector.headers).status_code == 403  # chiefs close
    clock.advance(minutes=10)
    assert client.post(f"{url}/close", headers=chief.headers).json()["status"] == "closed"
    assert client.post(f"{url}/release", headers=chief.headers).status_code == 409
    stages = client.get(f"/api/v1/declarations/{body['id']}/timeline", headers=trader.headers).json()["stages"]
    assert [s["stage"] for s in stages] == ["declared", "accepted", "screened", "inspection_ordered", "inspected",
                                            "released", "closed"]
    detail = client.get(f"/api/v1/declarations/{body['id']}", headers=trader.headers).json()
    assert detail["clearance_hours"] == 0.75 and detail["inspection_result"] == "conform"
    assert topics(runtime)[-4:] == ["declarations/inspection_ordered", "declarations/inspected",
                                    "declarations/released", "declarations/closed"]
    with runtime.engine.connect() as conn:
        assert audit.verify(conn)[1] == []
    trail = client.get(f"/api/v1/declarations/{body['id']}/audit", headers=inspector.headers).json()["entries"]
    assert trail[4]["after"] == {"status": "inspected", "result": "conform", "note": "开箱查验正常"}


def test_held_declaration_is_released_only_by_a_section_chief(client: Any, make_user: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    inspector = make_user("inspector", org_unit="3104")
    chief = make_user("section_chief", org_unit="3104")
    cmd = replace(submission(), items=(line(hs_code="9701100000"),))
    url = f"/api/v1/declarations/{client.post('/api/v1/declarations', json=as_json(cmd), headers=trader.headers).json()['id']}/transitions"  # noqa: E501
    client.post(f"{url}/record_inspection", json={"result": "anomaly"}, headers=inspector.headers)
    assert client.post(f"{url}/hold", headers=inspector.headers).json()["status"] == "held"
    assert client.post(f"{url}/release", headers=inspector.headers).status_code == 403
    assert client.post(f"{url}/release", headers=chief.headers).json()["status"] == "released"
    assert client.post(f"{url}/accept", headers=chief.headers).status_code == 403
    assert client.post(f"{url}/fly", headers=chief.headers).status_code == 404


def test_validation_errors_in_both_languages_and_nothing_stored(client: Any, make_user: Any, runtime: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    cmd = replace(submission(items=3, currency="USD"), trade_mode="0000")
    cmd = replace(cmd, items=(cmd.items[0], cmd.items[1], replace(line(3), hs_code="9999990000")))
    res = client.post("/api/v1/declarations", json=as_json(cmd), headers=trader.headers)
    assert res.status_code == 422
    errors = {e["field"]: e for e in res.json()["errors"]}
    assert set(errors) == {"trade_mode", "items.2.hs_code"}
    assert errors["items.2.hs_code"]["code"] == "declarations.hs_unknown"
    assert errors["items.2.hs_code"]["messages"]["en"] == (
        "The first 6 digits 999999 of commodity code 9999990000 are not an HS subheading")
    assert "不是有效的HS子目" in errors["items.2.hs_code"]["messages"]["zh-CN"]
    res = client.post("/api/v1/declarations", json={**as_json(submission()), "gross_weight": "heavy"},
                      headers=trader.headers)
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "gross_weight"
    assert count(runtime, db.declarations) == 0 and count(runtime, db.declaration_items) == 0
    assert declaration_entries(runtime) == 0 and topics(runtime) == []


def test_duplicate_number_is_a_conflict_and_nothing_is_stored(client: Any, make_user: Any, runtime: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    assert client.post("/api/v1/declarations", json=as_json(submission(7)), headers=trader.headers).status_code == 201
    res = client.post("/api/v1/declarations", json=as_json(submission(7, items=2)), headers=trader.headers)
    assert res.status_code == 409 and res.json()["code"] == "declarations.duplicate_number"
    assert count(runtime, db.declarations) == 1 and count(runtime, db.declaration_items) == 1
    assert declaration_entries(runtime) == 4


def test_batch_with_mixed_valid_and_invalid_declarations(client: Any, make_user: Any, runtime: Any) -> None:
    broker = make_user("broker", enterprise_id=BROKER.id)
    good = [as_json(submission(i, items=5, agent=BROKER.uscc)) for i in range(1, 4)]
    bad_field = as_json(submission(10, agent=BROKER.uscc, currency="XYZ"))
    structural = {**as_json(submission(11, agent=BROKER.uscc)), "packages": "many"}
    duplicate = as_json(submission(2, agent=BROKER.uscc))
    not_ours = as_json(submission(12, trader=OTHER))  # broker is not the agent here
    res = client.post("/api/v1/declarations/batch", headers=broker.headers,
                      json={"declarations": [good[0], bad_field, good[1], structural, duplicate, not_ours, good[2]]})
    assert res.status_code == 200, res.text
    body = res.json()
    assert [r["result"] for r in body["results"]] == ["created", "invalid", "created", "invalid", "conflict",
                                                      "forbidden", "created"]
    assert body["created"] == 3 and body["rejected"] == 4
    assert body["results"][1]["errors"][0]["field"] == "currency"
    assert body["results"][3]["errors"][0]["field"] == "packages"
    assert body["results"][4]["messages"]["en"].startswith("Declaration number")
    assert count(runtime, db.declarations) == 3 and count(runtime, db.declaration_items) == 15
    listed = client.get("/api/v1/declarations", headers=broker.headers).json()
    assert listed["total"] == 3
    too_many = client.post("/api/v1/declarations/batch", headers=broker.headers,
                           json={"declarations": [good[0]] * 501})
    assert too_many.status_code == 422


def test_list_filters_and_paging(client: Any, make_user: Any, clock: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    officer = make_user("risk_officer", org_unit="3100")
    for i in range(1, 8):
        cmd = submission(i, direction="I" if i % 2 else "E")
        if i == 3:
            cmd = replace(cmd, items=(line(hs_code="9302000000"),))
        client.post("/api/v1/declarations", json=as_json(cmd), headers=trader.headers)
        clock.advance(minutes=5)
    get = lambda q: client.get(f"/api/v1/declarations?{q}", headers=officer.headers).json()  # noqa: E731
    assert get("")["total"] == 7
    assert get("direction=I")["total"] == 4
    assert get("hs_chapter=93")["total"] == 1 and get("status=inspection_ordered")["total"] == 1
    assert get(f"trader={TRADER.customs_code}")["total"] == 7 and get(f"trader={OTHER.uscc}")["total"] == 0
    page = get("size=3&page=3")
    assert page["total"] == 7 and len(page["items"]) == 1
    assert get("declared_from=2026-11-02&declared_to=2026-11-02")["total"] == 7
    assert get("declared_from=2026-11-03")["total"] == 0
    assert client.get("/api/v1/declarations?hs_chapter=9", headers=officer.headers).status_code == 422
