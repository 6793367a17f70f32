"""Who may do what in transit monitoring, endpoint by endpoint: enterprise users and brokers are refused
everywhere (403), officers outside the transit's customs scope get 404, auditors and risk officers read but
cannot handle alarms, only chiefs release a held transit. Every alarm action leaves an audit entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from smartcustoms.capabilities.transit.ingest import Pipeline
from smartcustoms.capabilities.transit.services import open_transit_as
from smartcustoms.capabilities.transit.simulation import open_command
from smartcustoms.devices.reading import LockState, Reading
from smartcustoms.devices.truck_sim import ROUTES, TruckPlan
from smartcustoms.platform import audit
from smartcustoms.platform.audit import Actor

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def setup(runtime: Any) -> dict[str, str]:
    plan = TruckPlan("13800000031", "EL00000031", "浙G00031", ROUTES["yiwu-ningbo"], START)
    tid = open_transit_as(runtime, Actor.system("test"), open_command(plan, declaration_no="310420261000000031"))
    lon, lat = ROUTES["yiwu-ningbo"].vertices[10]
    result = Pipeline(runtime).ingest([Reading(plan.device_id, START, 1, lat=lat, lon=lon, speed_kmh=60,
                                               lock_id=plan.lock_id, lock_state=LockState.TAMPERED)])
    held_plan = replace(plan, device_id="13800000032", lock_id="EL00000032")
    held = open_transit_as(runtime, Actor.system("test"), open_command(held_plan))
    return {"transit": tid, "alarm": result.alarms[0]["id"], "held": held}


def _reads(t: str) -> list[str]:
    return [f"/api/v1/transit/transits/{t}", f"/api/v1/transit/transits/{t}/positions",
            f"/api/v1/transit/transits/{t}/replay", f"/api/v1/transit/transits/{t}/evidence?format=csv"]


def _writes(a: str) -> list[tuple[str, dict[str, str]]]:
    return [(f"/api/v1/transit/alarms/{a}/acknowledge", {}),
            (f"/api/v1/transit/alarms/{a}/assign", {"assignee": "monitor.sun"}),
            (f"/api/v1/transit/alarms/{a}/close", {"note": "checked"})]


@pytest.mark.parametrize("role", ["enterprise_user", "broker", "inspector", "image_reviewer"])
def test_roles_outside_monitoring_are_refused_everywhere(client: Any, make_user: Any, setup: dict[str, str],
                                                         role: str) -> None:
    user = make_user(role, enterprise_id="ENT1") if role in ("enterprise_user", "broker") else make_user(role)
    for url in [*_reads(setup["transit"]), "/api/v1/transit/transits", "/api/v1/transit/alarms",
                "/api/v1/transit/declarations/310420261000000031/trips"]:
        assert client.get(url, headers=user.headers).status_code == 403, url
    for url, body in _writes(setup["alarm"]):
        assert client.post(url, json=body, headers=user.headers).status_code == 403, url
    assert client.post(f"/api/v1/transit/transits/{setup['transit']}/release", json={"note": "x"},
                       headers=user.headers).status_code == 403
    assert client.post("/api/v1/transit/transits", json={}, headers=user.headers).status_code in (403, 422)


def test_officers_of_another_customs_see_nothing(client: Any, make_user: Any, setup: dict[str, str]) -> None:
    shanghai = make_user("monitoring_officer", org_unit="2200")
    for url in _reads(setup["transit"]):
        assert client.get(url, headers=shanghai.headers).status_code == 404, url
    for url, body in _writes(setup["alarm"]):
        assert client.post(url, json=body, headers=shanghai.headers).status_code == 404, url
    assert client.get("/api/v1/transit/transits", headers=shanghai.headers).json() == []
    assert client.get("/api/v1/transit/alarms", headers=shanghai.headers).json() == []
    assert client.get("/api/v1/transit/declarations/310420261000000031/trips",
                      headers=shanghai.headers).json() == []


@pytest.mark.parametrize("role", ["auditor", "risk_officer"])
def test_auditors_and_risk_officers_read_but_cannot_handle_alarms(client: Any, make_user: Any,
                                                                  setup: dict[str, str], role: str) -> None:
    user = make_user(role, org_unit="0000" if role == "auditor" else "3100")
    for url in _reads(setup["transit"]):
        assert client.get(url, headers=user.headers).status_code == 200, url
    assert len(client.get("/api/v1/transit/alarms", headers=user.headers).json()) == 1
    for url, body in _writes(setup["alarm"]):
        assert client.post(url, json=body, headers=user.headers).status_code == 403, url


def test_monitoring_officer_handles_an_alarm_with_audit_entries(runtime: Any, client: Any, make_user: Any,
                                                                setup: dict[str, str]) -> None:
    officer = make_user("monitoring_officer", org_unit="3104")
    for url, body in _writes(setup["alarm"]):
        assert client.post(url, json=body, headers=officer.headers).status_code == 200, url
    assert client.post(_writes(setup["alarm"])[0][0], json={}, headers=officer.headers).status_code == 409
    alarm = client.get("/api/v1/transit/alarms", headers=officer.headers).json()[0]
    assert (alarm["status"], alarm["assignee"], alarm["note"]) == ("closed", "monitor.sun", "checked")
    with runtime.engine.connect() as conn:
        actions = [e["action"] for e in audit.trail(conn, "transit_alarm", setup["alarm"])]
    assert actions == ["transit.alarm.raise", "transit.alarm.acknowledged", "transit.alarm.assigned",
                       "transit.alarm.closed"]
    # a monitoring officer may not release a held transit; a chief may
    assert client.post(f"/api/v1/transit/transits/{setup['transit']}/release", json={"note": "ok"},
                       headers=officer.headers).status_code == 403


def test_close_needs_a_note_and_assign_an_assignee(client: Any, make_user: Any, setup: dict[str, str]) -> None:
    officer = make_user("monitoring_officer", org_unit="3104")
    r = client.post(f"/api/v1/transit/alarms/{setup['alarm']}/close", json={"note": " "}, headers=officer.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    r = client.post(f"/api/v1/transit/alarms/{setup['alarm']}/assign", json={"assignee": ""},
                    headers=officer.headers)
    assert r.status_code == 422


def test_chief_releases_a_held_transit_only_when_held(client: Any, make_user: Any, setup: dict[str, str]) -> None:
    chief = make_user("section_chief", org_unit="3104")
    r = client.post(f"/api/v1/transit/transits/{setup['held']}/release", json={"note": "ok"}, headers=chief.headers)
    assert r.status_code == 409  # still opened, not held


def test_open_transit_validates_every_field(client: Any, make_user: Any) -> None:
    officer = make_user("monitoring_officer", org_unit="3104")
    body = {"plate": "粤BI2345", "lock_id": "x", "device_id": "abc", "containers": ["CSQU3054384"],
            "origin": {"code": "YW", "name": "义乌", "lon": 120.07, "lat": 29.3},
            "destination": {"code": "BL", "name": "北仑", "lon": 121.85, "lat": 29.93},
            "route": [[120.07, 29.3]], "buffer_m": 10, "time_limit_s": 60, "customs_code": "31"}
    r = client.post("/api/v1/transit/transits", json=body, headers=officer.headers)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"plate", "lock_id", "device_id", "containers.0", "route", "buffer_m", "time_limit_s",
                      "customs_code"}
    good = {**body, "plate": "浙G12345", "lock_id": "EL12345678", "device_id": "13812345678",
            "containers": ["CSQU3054383"], "route": [[120.07, 29.3], [121.85, 29.93]], "buffer_m": 2000,
            "time_limit_s": 6 * 3600, "customs_code": "3104", "declaration_no": "310420261000000099"}
    r = client.post("/api/v1/transit/transits", json=good, headers=officer.headers)
    assert r.status_code == 201
    assert client.post("/api/v1/transit/transits", json=good, headers=officer.headers).status_code == 409
    outside = make_user("monitoring_officer", org_unit="2200")
    r = client.post("/api/v1/transit/transits", json={**good, "lock_id": "EL87654321", "device_id": "1"},
                    headers=outside.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "transit.customs_code.out_of_scope"


def _login(client: Any, user: Any) -> str:
    r = client.post("/login", data={"username": user.username, "password": user.password},
                    follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    page = client.get("/transit")
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    return match.group(1) if match else ""


def test_pages_for_officers_and_refusals(client: Any, make_user: Any, setup: dict[str, str]) -> None:
    officer = make_user("monitoring_officer", org_unit="3104")
    csrf = _login(client, officer)
    page = client.get("/transit")
    assert page.status_code == 200 and 'data-testid="transit-map"' in page.text and "浙G00031" in page.text
    assert 'data-kind="lock_tamper"' in page.text and csrf
    assert client.get("/transit/_live").status_code == 200
    replay = client.get(f"/transit/replay/{setup['transit']}")
    assert replay.status_code == 200 and 'data-testid="replay-slider"' in replay.text
    inv = client.get("/transit/investigate", params={"declaration_no": "310420261000000031"})
    assert inv.status_code == 200 and f"/transit/replay/{setup['transit']}" in inv.text
    # a form post without the CSRF token is refused; with it, it works
    url = f"/transit/alarms/{setup['alarm']}/acknowledge"
    assert client.post(url, data={}, follow_redirects=False).status_code == 403
    assert client.post(url, data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    client.post("/logout", data={"csrf_token": csrf})

    auditor = make_user("auditor", org_unit="0000")
    csrf = _login(client, auditor)
    assert client.get("/transit").status_code == 200
    assert client.post(f"/transit/alarms/{setup['alarm']}/close", data={"csrf_token": csrf, "note": "x"},
                       follow_redirects=False).status_code == 403
    client.post("/logout", data={"csrf_token": csrf})

    enterprise = make_user("enterprise_user", enterprise_id="ENT1")
    _login(client, enterprise)
    for url in ("/transit", "/transit/_live", f"/transit/replay/{setup['transit']}", "/transit/investigate"):
        assert client.get(url).status_code == 403, url
