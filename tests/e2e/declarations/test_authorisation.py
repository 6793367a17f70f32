"""One test per authorisation rule. Another enterprise's declaration is 404 through every endpoint; so is a
declaration outside an officer's customs scope; auditors read but never change."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.unit.declarations.factories import BROKER, OTHER, TRADER, as_json, line, submission

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ACTIONS = ["order_inspection", "record_inspection", "release", "hold", "close"]
READS = ["detail", "timeline", "audit", "attachments", "attachment", "page"]
WRITES = ["upload", "page-upload", "page-action", *[f"transition:{a}" for a in ACTIONS]]
ENDPOINTS = READS + WRITES


@pytest.fixture
def world(client: Any, make_user: Any) -> dict[str, Any]:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    cmd = replace(submission(agent=BROKER.uscc, owner=OTHER.customs_code), items=(line(hs_code="9302000000"),))
    broker = make_user("broker", enterprise_id=BROKER.id)
    res = client.post("/api/v1/declarations", json=as_json(cmd), headers=broker.headers)
    assert res.status_code == 201, res.text
    decl_id = res.json()["id"]
    up = client.post(f"/api/v1/declarations/{decl_id}/attachments", headers=trader.headers,
                     data={"kind": "invoice"}, files={"file": ("inv.pdf", PDF, "application/pdf")})
    assert up.status_code == 201, up.text
    return {"id": decl_id, "attachment": up.json()["id"], "trader": trader, "broker": broker}


def call(client: Any, endpoint: str, world: dict[str, Any], headers: dict[str, str]) -> Any:
    base = f"/api/v1/declarations/{world['id']}"
    if endpoint == "detail":
        return client.get(base, headers=headers)
    if endpoint in ("timeline", "audit", "attachments"):
        return client.get(f"{base}/{endpoint}", headers=headers)
    if endpoint == "attachment":
        return client.get(f"{base}/attachments/{world['attachment']}", headers=headers)
    if endpoint == "page":
        return client.get(f"/declarations/{world['id']}", headers=headers, follow_redirects=False)
    if endpoint == "page-upload":
        return client.post(f"/declarations/{world['id']}/attachments", headers=headers, data={"kind": "contract"},
                           files={"file": ("c.pdf", PDF, "application/pdf")}, follow_redirects=False)
    if endpoint == "page-action":
        return client.post(f"/declarations/{world['id']}/actions/record_inspection", headers=headers,
                           data={"result": "conform"}, follow_redirects=False)
    if endpoint == "upload":
        return client.post(f"{base}/attachments", headers=headers, data={"kind": "contract"},
                           files={"file": ("c.pdf", PDF, "application/pdf")})
    action = endpoint.split(":")[1]
    return client.post(f"{base}/transitions/{action}", json={"result": "conform"}, headers=headers)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_another_enterprise_gets_404_through_every_endpoint(client: Any, make_user: Any, world: dict[str, Any],
                                                           endpoint: str) -> None:
    stranger = make_user("enterprise_user", enterprise_id="ent-stranger")
    assert call(client, endpoint, world, stranger.headers).status_code == 404
    assert client.get("/api/v1/declarations", headers=stranger.headers).json()["total"] == 0


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_broker_that_is_not_the_agent_gets_404(client: Any, make_user: Any, world: dict[str, Any],
                                                 endpoint: str) -> None:
    other_broker = make_user("broker", enterprise_id="ent-other-broker")
    assert call(client, endpoint, world, other_broker.headers).status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_officer_outside_the_customs_scope_gets_404(client: Any, make_user: Any, world: dict[str, Any],
                                                       endpoint: str) -> None:
    shanghai = make_user("inspector", "section_chief", "auditor", org_unit="2200")
    assert call(client, endpoint, world, shanghai.headers).status_code == 404
    assert client.get("/api/v1/declarations", headers=shanghai.headers).json()["total"] == 0


@pytest.mark.parametrize("endpoint", READS)
def test_trader_owner_agent_and_officers_in_scope_read(client: Any, make_user: Any, world: dict[str, Any],
                                                       endpoint: str) -> None:
    owner = make_user("enterprise_user", enterprise_id=OTHER.id)
    site = make_user("risk_officer", org_unit="3104S01")  # a site works on its customs office's declarations
    gacc = make_user("auditor", org_unit="0000")
    for who in (world["trader"], world["broker"], owner, site, gacc):
        assert call(client, endpoint, world, who.headers).status_code == 200, (endpoint, who.username)


@pytest.mark.parametrize("endpoint", WRITES)
def test_auditors_cannot_change_anything(client: Any, make_user: Any, world: dict[str, Any], endpoint: str) -> None:
    auditor = make_user("auditor", org_unit="3104")
    assert call(client, endpoint, world, auditor.headers).status_code == 403


@pytest.mark.parametrize("action", ACTIONS)
def test_enterprise_users_cannot_take_officer_steps(client: Any, world: dict[str, Any], action: str) -> None:
    for who in (world["trader"], world["broker"]):
        assert call(client, f"transition:{action}", world, who.headers).status_code == 403


@pytest.mark.parametrize("role", ["risk_officer", "monitoring_officer", "image_reviewer", "admin"])
def test_other_officer_roles_cannot_take_steps(client: Any, make_user: Any, world: dict[str, Any],
                                               role: str) -> None:
    officer = make_user(role, org_unit="3104")
    assert call(client, "transition:record_inspection", world, officer.headers).status_code == 403


def test_enterprise_users_submit_only_for_their_own_enterprise(client: Any, make_user: Any) -> None:
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    res = client.post("/api/v1/declarations", json=as_json(submission(trader=OTHER)), headers=trader.headers)
    assert res.status_code == 403 and res.json()["code"] == "declarations.not_your_enterprise"
    broker = make_user("broker", enterprise_id=BROKER.id)
    assert client.post("/api/v1/declarations", json=as_json(submission(2)),  # broker not named as agent
                       headers=broker.headers).status_code == 403
    assert client.post("/api/v1/declarations", json=as_json(submission(3, agent=BROKER.uscc)),
                       headers=broker.headers).status_code == 201


def test_officers_do_not_submit(client: Any, make_user: Any) -> None:
    inspector = make_user("inspector", org_unit="3104")
    assert client.post("/api/v1/declarations", json=as_json(submission()), headers=inspector.headers).status_code == 403
    res = client.post("/api/v1/declarations/batch", json={"declarations": [as_json(submission())]},
                      headers=inspector.headers)
    assert res.status_code == 403
    malformed = client.post("/api/v1/declarations/batch", json={"declarations": [{"number": 1}]},
                            headers=inspector.headers)
    assert malformed.status_code == 403


def test_anonymous_callers_are_refused(client: Any, world: dict[str, Any]) -> None:
    assert client.get(f"/api/v1/declarations/{world['id']}").status_code == 401
    assert client.get("/api/v1/declarations").status_code == 401


MANIFEST = {"number": "MFT-0001", "transport_mode": "2", "transport_name": "MSC ANNA", "voyage": "612E",
            "port_code": "3104", "arrival_at": datetime(2026, 11, 1, 22, tzinfo=UTC).isoformat(),
            "bills": [{"bill_no": "MSCU123456789", "shipper": "ACME", "consignee": "宁波甬港", "goods_description":
                       "power supplies", "packages": 20, "gross_weight": "520.5", "containers": ["CSQU3054383"]}]}


def test_manifests_are_read_by_their_filer_and_officers_in_scope(client: Any, make_user: Any) -> None:
    filer = make_user("enterprise_user", enterprise_id=TRADER.id)
    res = client.post("/api/v1/manifests", json=MANIFEST, headers=filer.headers)
    assert res.status_code == 201, res.text
    url = f"/api/v1/manifests/{res.json()['id']}"
    assert client.get(url, headers=filer.headers).status_code == 200
    assert client.get(url, headers=make_user("inspector", org_unit="3104").headers).status_code == 200
    assert client.get(url, headers=make_user("enterprise_user", enterprise_id="x").headers).status_code == 404
    assert client.get(url, headers=make_user("inspector", org_unit="2200").headers).status_code == 404
    assert client.get("/api/v1/manifests", headers=make_user("inspector", org_unit="2200").headers).json() == {
        "items": []}
    assert client.post("/api/v1/manifests", json={**MANIFEST, "number": "M2"},
                       headers=make_user("inspector").headers).status_code == 403
