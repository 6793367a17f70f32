"""Investigation from a manifest risk hit: the manifest's declarations and the transit trips linked to them, by
API and on the page, with replay and evidence links; the risk console's manifest locks and the declaration page
link there; an unknown manifest is a clear 404; enterprises are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from smartcustoms.capabilities.declarations.commands import BillLine, FileManifest
from smartcustoms.capabilities.declarations.manifests import do_file_manifest
from smartcustoms.capabilities.declarations.ports import DIRECTORY
from smartcustoms.capabilities.declarations.services import do_submit
from smartcustoms.capabilities.transit.services import open_transit_as
from smartcustoms.capabilities.transit.simulation import open_command
from smartcustoms.devices.truck_sim import ROUTES, TruckPlan
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.identity.model import Principal, Role
from tests.unit.declarations.factories import TRADER, FakeDirectory, submission

CARRIER = Principal("u-carrier", "carrier", "carrier", frozenset({Role.ENTERPRISE_USER}), enterprise_id=TRADER.id)


def test_trips_of_a_manifests_declarations(client: Any, runtime: Any, make_user: Any) -> None:
    runtime.ports[DIRECTORY] = FakeDirectory()
    do_file_manifest(runtime, CARRIER, FileManifest("MF-CHAR-1", "2", "MSC ANNA", "612E", "3104",
                                                     datetime(2026, 11, 1, tzinfo=UTC),
                                                     (BillLine("BL-CHAR-1", "S", "C", "charcoal", 10,
                                                               Decimal("100")),
                                                      BillLine("BL-CHAR-2", "S", "C", "charcoal", 5,
                                                               Decimal("50")))))
    declaration = do_submit(runtime, CARRIER, submission(41, bill_no="BL-CHAR-1"))
    plan = TruckPlan("13800000041", "EL00000041", "浙G00041", ROUTES["yiwu-ningbo"],
                     datetime(2026, 11, 2, tzinfo=UTC))
    transit_id = open_transit_as(runtime, Actor.system("test"), open_command(plan, declaration_no=declaration.number))
    second = do_submit(runtime, CARRIER, submission(42, bill_no="BL-CHAR-2"))
    second_trips = [open_transit_as(runtime, Actor.system("test"), open_command(
        TruckPlan(f"1380000004{day}", f"EL0000004{day}", f"浙G0004{day}", ROUTES["yiwu-ningbo"],
                  datetime(2026, 11, day, tzinfo=UTC)), declaration_no=second.number)) for day in (3, 4)]

    monitor = make_user("monitoring_officer", org_unit="3104")
    found = client.get("/api/v1/transit/manifests/MF-CHAR-1/trips", headers=monitor.headers).json()
    assert sorted(found["declarations"]) == sorted([declaration.number, second.number])
    # declaration by declaration in the manifest's order, the newest transit first within one; each with its trip
    by_number = {declaration.number: [transit_id], second.number: second_trips[::-1]}
    assert [t["id"] for t in found["trips"]] == [i for n in found["declarations"] for i in by_number[n]]
    assert all(t["trip"]["transit_id"] == t["id"] for t in found["trips"])
    one = client.get(f"/api/v1/transit/declarations/{second.number}/trips", headers=monitor.headers).json()
    assert [t["id"] for t in one] == second_trips[::-1]
    # a blank number is no declaration: nothing, not every transit in the officer's scope
    assert client.get("/api/v1/transit/declarations/%20/trips", headers=monitor.headers).json() == []
    page = client.get("/transit/investigate?manifest_no=MF-CHAR-1", headers=monitor.headers).text
    assert declaration.number in page and f"/transit/replay/{transit_id}" in page
    assert f"/api/v1/transit/transits/{transit_id}/evidence?format=csv" in page

    missing = client.get("/api/v1/transit/manifests/NO-SUCH/trips", headers=monitor.headers)
    assert missing.status_code == 404 and "Manifest not found" in missing.text + str(missing.json())
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    assert client.get("/api/v1/transit/manifests/MF-CHAR-1/trips", headers=trader.headers).status_code == 403

    risk = make_user("risk_officer", org_unit="3104")
    assert client.post("/api/v1/risk/manifests/MF-CHAR-1/lock", json={"reason": "情报：疑似走私木炭"},
                       headers=risk.headers).status_code == 201
    console = client.get("/risk/manifests", headers=risk.headers).text
    assert 'href="/transit/investigate?manifest_no=MF-CHAR-1"' in console
    detail = client.get(f"/declarations/{declaration.id}", headers=risk.headers).text
    assert f'href="/transit/investigate?declaration_no={declaration.number}"' in detail
