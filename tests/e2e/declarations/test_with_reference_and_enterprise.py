"""The real wiring: code tables from the reference capability, enterprises and their credit grades from the
enterprise capability (no fake directory)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from smartcustoms.capabilities.declarations.directory import QueriesDirectory
from smartcustoms.capabilities.declarations.ports import DIRECTORY
from tests.enterprise_data import ADMIN, customs_code, register, uscc
from tests.reference_data import ensure_reference_data
from tests.unit.declarations.factories import as_json, line, submission

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture(autouse=True)
def directory(runtime: Any) -> Any:  # overrides the fake of conftest.py
    ensure_reference_data(runtime)
    runtime.ports[DIRECTORY] = QueriesDirectory(runtime.clock)
    return runtime.ports[DIRECTORY]


def test_real_code_tables_and_credit_grades(client: Any, make_user: Any, runtime: Any) -> None:
    from smartcustoms.capabilities.enterprise.commands import ChangeCreditGrade
    from smartcustoms.capabilities.enterprise.services import do_change_grade

    trader_id = register(runtime, uscc=uscc(901), customs_code=customs_code(901), registered_on=date(2020, 1, 1))
    broker_id = register(runtime, uscc=uscc(902), customs_code=customs_code(902), kind="broker",
                         registered_on=date(2020, 1, 1))
    trader = make_user("enterprise_user", enterprise_id=trader_id)
    broker = make_user("broker", enterprise_id=broker_id)
    base = submission(1)
    cmd = replace(base, trader=customs_code(901), agent=uscc(902))
    res = client.post("/api/v1/declarations", json=as_json(cmd), headers=broker.headers)
    assert res.status_code == 201, res.text
    assert res.json()["status"] == "released" and res.json()["trader"]["id"] == trader_id
    assert client.get(f"/api/v1/declarations/{res.json()['id']}", headers=trader.headers).status_code == 200
    bad = replace(cmd, number=submission(2).number, items=(line(hs_code="7700001000"), line(2, unit="ZZZ")))
    res = client.post("/api/v1/declarations", json=as_json(bad), headers=broker.headers)
    assert res.status_code == 422
    assert {e["field"] for e in res.json()["errors"]} == {"items.0.hs_code", "items.1.unit"}
    do_change_grade(runtime, ADMIN, ChangeCreditGrade(trader_id, "untrustworthy", runtime.clock.now().date(),
                                                      "test: smuggling case"))
    res = client.post("/api/v1/declarations", json=as_json(replace(cmd, number=submission(3).number)),
                      headers=broker.headers)
    assert res.json()["status"] == "inspection_ordered"
    assert res.json()["reasons"][0]["rule"] == "untrustworthy_party"
