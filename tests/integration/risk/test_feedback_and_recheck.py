"""The inspection capability's side of the contract, played by the test: findings published through the outbox
feed enterprise credit (and the training labels); the `risk.recheck` port and the report event draw the
re-inspection once per task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from smartcustoms.capabilities.enterprise.commands import ChangeCreditGrade
from smartcustoms.capabilities.enterprise.queries import customs_today, get_enterprise
from smartcustoms.capabilities.enterprise.services import do_change_grade
from smartcustoms.capabilities.risk import batching, credit, db
from smartcustoms.kernel.errors import NotFound, ValidationFailed
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.events import Event
from smartcustoms.platform.outbox import outbox
from tests.enterprise_data import ADMIN, register
from tests.integration.risk.test_live_screening import BAD_USER, officers, submit  # noqa: F401  (fixture)
from tests.reference_data import reference_data  # noqa: F401  (fixture)
from tests.unit.declarations.factories import BAD


@dataclass(frozen=True)
class FindingRecorded(Event):
    topic: ClassVar[str] = "inspection/finding_recorded"
    declaration_id: str
    enterprise_id: str
    outcome: str
    kind: str
    recovered_revenue: str


@dataclass(frozen=True)
class ReportSubmitted(Event):
    topic: ClassVar[str] = "inspection/report_submitted"
    batch_id: str
    task_id: str
    declaration_id: str
    inspector_id: str
    at: str


def publish(runtime: Any, *events: Event) -> None:
    with runtime.uow(Actor.system("inspection")) as uow:
        for e in events:
            uow.emit(e)
        uow.commit()
    runtime.relay.drain()


def grade(runtime: Any, enterprise_id: str) -> str:
    with runtime.engine.connect() as conn:
        view = get_enterprise(conn, enterprise_id, on=customs_today(runtime.clock))
    assert view is not None
    return view.credit_grade


@pytest.mark.usefixtures("reference_data")
def test_serious_findings_downgrade_the_enterprise(runtime: Any) -> None:
    ent = register(runtime)
    do_change_grade(runtime, ADMIN, ChangeCreditGrade(ent, "general_certified", customs_today(runtime.clock), "AEO"))
    publish(runtime, FindingRecorded("D1", ent, "conform", "", "0"),
            FindingRecorded("D2", ent, "discrepancy", "undervaluation", "1200.50"))
    assert grade(runtime, ent) == "general_certified"  # neither is serious
    publish(runtime, FindingRecorded("D3", ent, "discrepancy", "undervaluation", "80000"))
    assert grade(runtime, ent) == "general"  # one serious finding: certified → general
    publish(runtime, FindingRecorded("D4", ent, "discrepancy", "smuggling", "0"))
    assert grade(runtime, ent) == "general"
    publish(runtime, FindingRecorded("D5", ent, "discrepancy", "misclassification", "50000"))
    assert grade(runtime, ent) == "untrustworthy"  # three within a year
    with runtime.engine.begin() as conn:
        labels = credit.training_labels(conn)
        assert [(r["declaration_id"], r["illicit"]) for r in labels] == [
            ("D1", 0), ("D2", 1), ("D3", 1), ("D4", 1), ("D5", 1)]
        conn.execute(outbox.update().values(published_at=None))  # redelivery: stored once
    runtime.relay.drain()
    with runtime.engine.connect() as conn:
        assert len(conn.execute(select(db.risk_findings)).all()) == 5


def test_new_grade_rule() -> None:
    assert credit.new_grade("advanced_certified", 1) == "general"
    assert credit.new_grade("general", 1) is None
    assert credit.new_grade("general", 3) == "untrustworthy"
    assert credit.new_grade("untrustworthy", 5) is None


def test_recheck_port_and_report_event(runtime: Any, officers: list[str]) -> None:  # noqa: F811
    submit(runtime, 1, 10)
    submit(runtime, 100, 10, BAD_USER, BAD)  # dishonest: inspected at the 0.85 floor
    result = batching.do_close_batch(runtime, batching.SYSTEM, "3104", simulated_entropy=True)
    assert result is not None
    with runtime.engine.connect() as conn:
        assigned = [d for d in db.load_decisions(conn, result["batch_id"]) if d["officer_id"]]
    assert len(assigned) >= 2
    port = runtime.port("risk.recheck")
    first, second = assigned[0], assigned[1]
    with pytest.raises(ValidationFailed):
        port.draw(first["declaration_id"], "someone-else")
    outcome = port.draw(first["declaration_id"], first["officer_id"])
    again = port.draw((result["batch_id"], first["declaration_id"]), first["officer_id"])
    assert outcome == again and outcome.inspector == first["officer_id"]
    with pytest.raises(NotFound):
        port.draw("no-such-task", first["officer_id"])
    publish(runtime, ReportSubmitted(result["batch_id"], second["declaration_id"], second["declaration_id"],
                                     second["officer_id"], "2026-11-02T01:30:00+00:00"))
    with runtime.engine.connect() as conn:
        rechecks = {r["task_id"] for r in db.load_rechecks(conn, result["batch_id"])}
        drawn = [r.payload for r in conn.execute(select(outbox).where(outbox.c.topic == "risk/recheck_drawn"))]
    assert rechecks == {first["declaration_id"], second["declaration_id"]}
    assert {p["declaration_id"] for p in drawn} == rechecks
    assert set(drawn[0]) == {"batch_id", "task_id", "declaration_id", "recheck", "recheck_officer", "chief",
                             "chief_officer"}
