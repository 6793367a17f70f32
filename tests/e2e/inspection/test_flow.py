"""The inspection flow through the API: a screened declaration becomes a task for an officer; the officer starts,
uploads a photo and reports; the draws come back at once; conform releases automatically and records the fee
exemption; discrepancies are judged into disposals and wait for the section chief where the rule says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from smartcustoms.capabilities.inspection import db
from smartcustoms.capabilities.inspection.ports import RECHECK
from smartcustoms.platform.outbox import outbox
from tests.e2e.inspection.helpers import CONFORM, order_inspection, png, report
from tests.unit.declarations.factories import TRADER


def _status(client: Any, headers: Any, declaration_id: str) -> str:
    return str(client.get(f"/api/v1/declarations/{declaration_id}", headers=headers).json()["status"])


def test_conform_report_releases_and_records_the_exemption(client: Any, make_user: Any, runtime: Any,
                                                           clock: Any) -> None:
    inspector = make_user("inspector", org_unit="3104")
    trader = make_user("enterprise_user", enterprise_id=TRADER.id)
    declaration_id, task_id = order_inspection(runtime)
    task = client.get(f"/api/v1/inspection/tasks/{task_id}", headers=inspector.headers).json()
    assert task["officer_id"] == inspector.user_id and task["state"] == "assigned"
    assert task["assignment"]["method"] == "least_loaded" and task["assignment"]["random"] is False
    assert task["target_items"] == [1, 2] and task["reasons"]
    assert [t["id"] for t in client.get("/api/v1/inspection/tasks", headers=inspector.headers).json()] == [task_id]
    clock.advance(minutes=5)
    assert client.post(f"/api/v1/inspection/tasks/{task_id}/start", headers=inspector.headers).json() == {
        "state": "in_progress"}
    up = client.post(f"/api/v1/inspection/tasks/{task_id}/media", headers=inspector.headers,
                     files={"file": ("p.png", png(), "image/png")})
    assert up.status_code == 201 and len(up.json()["sha256"]) == 64
    clock.advance(minutes=40)
    body = report(*CONFORM, media_ids=[up.json()["id"]], samples=[{"label": "S-1", "description": "粉末"}])
    res = client.post(f"/api/v1/inspection/tasks/{task_id}/report", json=body, headers=inspector.headers)
    assert res.status_code == 201, res.text
    out = res.json()
    assert out["draw"]["status"] == "unavailable" and out["draw"]["reason"] == "no verifiable draw available"
    assert out["state"] == "closed" and out["settlement"] == {"outcome": "conform", "declaration_status": "released",
                                                              "disposals": []}
    assert _status(client, inspector.headers, declaration_id) == "released"
    again = client.post(f"/api/v1/inspection/tasks/{task_id}/report", json=body, headers=inspector.headers)
    assert again.status_code == 200 and again.json()["report_id"] == out["report_id"]
    exemptions = client.get("/api/v1/inspection/fee-exemptions", headers=trader.headers).json()
    assert [e["declaration_id"] for e in exemptions] == [declaration_id]
    with runtime.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.reports)).scalar_one() == 1
        topics = [r.topic for r in conn.execute(select(outbox.c.topic).order_by(outbox.c.id))]
    assert "inspection/report_submitted" in topics and "inspection/finding_recorded" in topics


@dataclass
class Drawn:
    recheck: bool
    recheck_officer: str | None
    chief: bool
    chief_officer: str | None


class FakeRecheck:
    def __init__(self, result: Drawn) -> None:
        self.result, self.calls = result, []  # type: ignore[var-annotated]

    def draw(self, batch_id: str | None, task_id: str, inspector_id: str) -> Drawn:
        self.calls.append((batch_id, task_id, inspector_id))
        return self.result


def _do(client: Any, user: Any, task_id: str, body: dict[str, Any]) -> Any:
    client.post(f"/api/v1/inspection/tasks/{task_id}/start", headers=user.headers)
    return client.post(f"/api/v1/inspection/tasks/{task_id}/report", json=body, headers=user.headers)


def test_recheck_draw_creates_a_task_for_another_officer_before_release(client: Any, make_user: Any,
                                                                        runtime: Any) -> None:
    first = make_user("inspector", org_unit="3104")
    second = make_user("inspector", org_unit="3104")
    declaration_id, task_id = order_inspection(runtime)
    owner = first if client.get(f"/api/v1/inspection/tasks/{task_id}", headers=first.headers).status_code == 200 \
        else second
    other = second if owner is first else first
    runtime.ports[RECHECK] = FakeRecheck(Drawn(True, None, False, None))
    out = _do(client, owner, task_id, report(*CONFORM)).json()
    assert out["draw"]["recheck"] is True and out["recheck_task_id"] and out["settlement"] is None
    recheck = client.get(f"/api/v1/inspection/tasks/{out['recheck_task_id']}", headers=other.headers).json()
    assert recheck["officer_id"] == other.user_id and recheck["kind"] == "recheck"
    assert _status(client, owner.headers, declaration_id) == "inspection_ordered"  # not released before recheck
    done = _do(client, other, recheck["id"], report(*CONFORM)).json()
    assert done["draw"]["status"] == "not_drawn" and done["settlement"]["declaration_status"] == "released"
    kpis = client.get("/api/v1/inspection/kpis", headers=make_user("section_chief", org_unit="3104").headers).json()
    assert kpis["recheck_rate"] == 1.0 and kpis["one_time_release_rate"] == 0.0


def test_discrepancy_needs_the_chief_then_holds(client: Any, make_user: Any, runtime: Any) -> None:
    inspector = make_user("inspector", org_unit="3104")
    chief = make_user("section_chief", org_unit="3104")
    auditor = make_user("auditor", org_unit="3104")
    declaration_id, task_id = order_inspection(runtime)
    findings = ({"item_seq": 1, "outcome": "discrepancy", "kind": "prohibited", "note": "枪支配件"},
                {"item_seq": 2, "outcome": "conform"})
    out = _do(client, inspector, task_id, report(*findings)).json()
    assert out["judgement"] == {"discrepancy": True, "disposals": ["anti_smuggling", "return_destroy"],
                                "chief_approval": True}
    assert out["state"] == "reported"
    assert [t["id"] for t in client.get("/api/v1/inspection/tasks", headers=chief.headers).json()] == [task_id]
    assert client.post(f"/api/v1/inspection/tasks/{task_id}/decision", json={"decision": "approve"},
                       headers=inspector.headers).status_code == 403
    assert client.post(f"/api/v1/inspection/tasks/{task_id}/decision", json={"decision": "approve"},
                       headers=auditor.headers).status_code == 403
    res = client.post(f"/api/v1/inspection/tasks/{task_id}/decision", json={"decision": "approve"},
                      headers=chief.headers)
    assert res.status_code == 200 and res.json()["settlement"]["declaration_status"] == "held"
    rec = client.get(f"/api/v1/inspection/declarations/{declaration_id}/record", headers=auditor.headers).json()
    actions = [e["action"] for e in rec["timeline"]]
    for needed in ("inspection.task_created", "inspection.report_submitted", "inspection.draw_recorded",
                   "inspection.task_approve", "inspection.settled", "declarations.hold"):
        assert needed in actions
    assert rec["approvals"][0]["chief_id"] == chief.user_id
    csv = client.get(f"/api/v1/inspection/declarations/{declaration_id}/record?format=csv", headers=auditor.headers)
    assert csv.status_code == 200 and "inspection.settled" in csv.text


def test_quantity_discrepancy_amends_and_releases_without_the_chief(client: Any, make_user: Any,
                                                                    runtime: Any) -> None:
    inspector = make_user("inspector", org_unit="3104")
    declaration_id, task_id = order_inspection(runtime)
    findings = ({"item_seq": 1, "outcome": "discrepancy", "kind": "quantity", "note": "少2箱"},
                {"item_seq": 2, "outcome": "conform"})
    out = _do(client, inspector, task_id, report(*findings)).json()
    assert out["settlement"] == {"outcome": "discrepancy", "declaration_status": "released",
                                 "disposals": ["amend_declaration"]}
