"""The task detail on the phone shows the declaration's goods items and manifest containers, and the regions a
central image reviewer marked (``imaging/manual_inspection_requested``, relayed through the outbox) — attached
to the open task or ordering one (machine + manual) — once per scan; enterprises never see them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from smartcustoms.capabilities.declarations.domain import PENDING
from smartcustoms.capabilities.declarations.ports import SCREENER
from smartcustoms.capabilities.imaging.events import ManualInspectionRequested
from smartcustoms.capabilities.inspection import db, services
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.identity.model import Principal, Role
from tests.e2e.declarations.test_authorisation import MANIFEST
from tests.unit.declarations.factories import TRADER, line, submission

REGIONS = ({"x": 120, "y": 40, "w": 60, "h": 30, "label": "weapon"}, {"x": 300, "y": 10, "w": 20, "h": 20,
                                                                        "label": "dense"})


class _Pending:
    def screen(self, declaration: Any, enterprises: Any) -> Any:
        return PENDING

    def defer(self, conn: Any, declarations: Any, enterprises: Any) -> None:
        pass


def _publish(runtime: Any, scan_id: str, declaration_id: str | None, regions: Any = REGIONS) -> None:
    with runtime.uow(Actor.system("imaging")) as uow:
        uow.emit(ManualInspectionRequested(declaration_id, scan_id, "u-reviewer", "CSQU3054383",
                                           tuple(dict(r) for r in regions)))
        uow.commit()
    runtime.relay.drain()


def _declare(runtime: Any, serial: int, hs_code: str, bill_no: str | None = None) -> str:
    from smartcustoms.capabilities.declarations.services import do_submit

    who = Principal(user_id="u-trader", username="trader", display_name="trader",
                    roles=frozenset({Role.ENTERPRISE_USER}), enterprise_id=TRADER.id)
    cmd = replace(submission(serial, items=2, direction="I"), bill_no=bill_no,
                  items=(line(1, hs_code=hs_code, name="猎枪配件"), line(2, name="开关电源")))
    d = do_submit(runtime, who, cmd)
    runtime.relay.drain()
    return d.id


def _marks(runtime: Any) -> list[dict[str, Any]]:
    with runtime.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(db.scan_marks)).mappings()]


def test_regions_attach_to_the_open_task_once_and_show_on_the_phone(client: Any, make_user: Any,
                                                                      runtime: Any) -> None:
    inspector = make_user("inspector", org_unit="3104")
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    manifest = {**MANIFEST, "bills": [{**MANIFEST["bills"][0], "containers": ["CSQU3054383", "MSCU1234566"]}]}
    assert client.post("/api/v1/manifests", json=manifest, headers=trader.headers).status_code == 201
    declaration_id = _declare(runtime, 1, "9302000000", bill_no="MSCU123456789")
    with runtime.engine.connect() as conn:
        task_id = conn.execute(select(db.tasks.c.id).where(db.tasks.c.declaration_id == declaration_id)).scalar_one()
    _publish(runtime, "scan-1", declaration_id)
    _publish(runtime, "scan-1", declaration_id)  # the reviewer's event delivered again (new event id, same scan)
    marks = _marks(runtime)
    assert len(marks) == 1 and marks[0]["task_id"] == task_id and marks[0]["regions"] == list(REGIONS)
    # a redelivery of the very same message changes nothing either
    assert services.do_attach_scan(runtime, marks[0]["event_id"], {"declaration_id": declaration_id,
                                                                   "scan_id": "scan-1", "regions": []}) is None
    assert len(_marks(runtime)) == 1
    with runtime.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.tasks)).scalar_one() == 1
        assert conn.execute(select(db.tasks.c.method).where(db.tasks.c.id == task_id)).scalar_one() == "manual"

    html = client.get(f"/inspection/tasks/{task_id}", headers=inspector.headers).text
    assert "猎枪配件" in html and "开关电源" in html and html.count('data-testid="goods-item"') == 2
    assert html.count('data-testid="container"') == 2 and "MSCU1234566" in html and "MFT-0001" in html
    assert html.count('data-testid="scan-region"') == 2 and 'data-label="weapon"' in html
    assert 'href="/imaging/scans/scan-1"' in html
    assert client.get(f"/inspection/tasks/{task_id}", headers=trader.headers).status_code == 404
    api_body = client.get(f"/api/v1/inspection/tasks/{task_id}", headers=trader.headers)
    assert api_body.status_code == 404 and "weapon" not in api_body.text

    # the findings form names each goods item
    assert client.post(f"/api/v1/inspection/tasks/{task_id}/start", headers=inspector.headers).status_code == 200
    html = client.get(f"/inspection/tasks/{task_id}", headers=inspector.headers).text
    assert "#1 猎枪配件 · 9302000000</legend>" in html and "#2 开关电源 · 8504401400</legend>" in html


def test_a_scan_without_a_task_orders_machine_and_manual_inspection(client: Any, make_user: Any,
                                                                   runtime: Any) -> None:
    inspector = make_user("inspector", org_unit="3104")
    runtime.ports[SCREENER] = _Pending()  # risk decides later: the declaration is accepted, no task yet
    declaration_id = _declare(runtime, 2, "8504401400")
    with runtime.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.tasks)).scalar_one() == 0
    _publish(runtime, "scan-2", declaration_id, regions=[REGIONS[0], {"x": "bad"}])
    _publish(runtime, "scan-x", None)  # a scan without a declaration: nothing to attach to
    _publish(runtime, "scan-y", "no-such-declaration")
    with runtime.engine.connect() as conn:
        task = conn.execute(select(db.tasks)).mappings().one()
    assert task["method"] == "both" and task["source"] == "imaging" and task["officer_id"] == inspector.user_id
    assert [m["scan_id"] for m in _marks(runtime)] == ["scan-2"] and _marks(runtime)[0]["regions"] == [REGIONS[0]]
    html = client.get(f"/inspection/tasks/{task['id']}", headers=inspector.headers).text
    assert 'data-testid="scan-region" data-label="weapon"' in html
    assert 'data-testid="manifest"' in html and 'data-testid="container"' not in html


def test_a_scan_without_declaration_is_matched_through_its_container(client: Any, make_user: Any,
                                                                     runtime: Any) -> None:
    make_user("inspector", org_unit="3104")
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    assert client.post("/api/v1/manifests", json=MANIFEST, headers=trader.headers).status_code == 201
    declaration_id = _declare(runtime, 3, "9302000000", bill_no="MSCU123456789")
    with runtime.engine.connect() as conn:
        task_id = conn.execute(select(db.tasks.c.id).where(db.tasks.c.declaration_id == declaration_id)).scalar_one()
    _publish(runtime, "scan-3", None)  # container CSQU3054383 is on the declaration's bill
    assert [(m["scan_id"], m["task_id"], m["declaration_id"]) for m in _marks(runtime)] == [
        ("scan-3", task_id, declaration_id)]
