"""``queries.declaration_detail``: the header summary, the goods items and the linked manifest bill with its
containers (what the officer on the dock reads); without a filed bill there is no manifest section."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from smartcustoms.capabilities.declarations.queries import declaration_detail
from tests.unit.declarations.factories import TRADER, as_json, line, submission

from .test_authorisation import MANIFEST


def test_detail_with_items_and_manifest_containers(client: Any, make_user: Any, runtime: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    manifest = {**MANIFEST, "bills": [{**MANIFEST["bills"][0], "containers": ["CSQU3054383", "MSCU1234566"]}]}
    assert client.post("/api/v1/manifests", json=manifest, headers=trader.headers).status_code == 201
    sub = submission(direction="I", items=2)
    sub = replace(sub, items=(line(1), line(2, name="猎枪", hs_code="9302000000", origin_country="KOR")))
    res = client.post("/api/v1/declarations", json={**as_json(sub), "bill_no": "MSCU123456789"},
                      headers=trader.headers)
    assert res.status_code == 201, res.text
    with runtime.engine.connect() as conn:
        d = declaration_detail(conn, res.json()["id"])
    assert d is not None
    assert d.number == sub.number and d.trader_name == TRADER.name_zh and d.transport_name == "MSC ANNA/612E"
    assert d.bill_no == "MSCU123456789" and d.gross_weight == Decimal("520.5")
    assert [(i.seq, i.hs_code, i.name, i.origin_country) for i in d.items] == [
        (1, "8504401400", "开关电源", "CHN"), (2, "9302000000", "猎枪", "KOR")]
    assert d.items[0].quantity == Decimal("100") and d.items[0].unit == "007" and d.items[0].spec == "24V 100W"
    assert d.bill is not None and d.bill.containers == ("CSQU3054383", "MSCU1234566")
    assert d.bill.manifest is not None and d.bill.manifest.number == "MFT-0001" and d.bill.packages == 20


def test_detail_without_bill_and_unknown_id(client: Any, make_user: Any, runtime: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    res = client.post("/api/v1/declarations", json=as_json(submission()), headers=trader.headers)
    with runtime.engine.connect() as conn:
        d = declaration_detail(conn, res.json()["id"])
        assert declaration_detail(conn, "nope") is None
    assert d is not None and d.bill is None and [i.name for i in d.items] == ["开关电源"]
