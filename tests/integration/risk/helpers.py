"""Builders shared by the risk integration and e2e tests."""

from __future__ import annotations

from typing import Any

from smartcustoms.capabilities.risk import services
from smartcustoms.capabilities.risk.commands import EnterDice, FreezeBatch, OpenBatch, SubmitReport
from smartcustoms.capabilities.risk.domain.dispatch import DispatchPolicy, Officer
from smartcustoms.capabilities.risk.domain.selection import Candidate, SelectionPolicy
from smartcustoms.platform.identity.model import Principal, Role

RISK = Principal("u-risk", "risk1", "风险员", frozenset({Role.RISK_OFFICER}), org_unit="3104",
                 customs_scope=frozenset({"3104"}))
INSPECTOR = Principal("u-insp", "insp1", "查验员", frozenset({Role.INSPECTOR}), org_unit="3104",
                      customs_scope=frozenset({"3104"}))
GRADES = ["general"] * 6 + ["certified", "advanced_certified", "dishonest"]
DICE = (("risk_office", "31415926535897"), ("discipline_inspection", "27182818284590"),
        ("officer_representative", "16180339887498"))


def candidates(n: int = 300) -> tuple[Candidate, ...]:
    return tuple(Candidate(id=f"D{i:05d}", enterprise=f"E{i % 23}", grade=GRADES[i % len(GRADES)],
                           score=f"{(i * 7919 % 1000) / 1000:.6f}", site="3104S01", stratum=str(84 + i % 4),
                           forced_channel="manual" if i % 97 == 0 else "", rules=("APPLES",) if i % 97 == 0 else (),
                           containerised=i % 5 != 0, qualification="hazmat" if i % 41 == 0 else "")
                 for i in range(n))


def roster() -> tuple[Officer, ...]:
    officers = [Officer(f"O{i:02d}", "3104S01", qualifications=frozenset({"hazmat"}) if i % 3 == 0 else frozenset(),
                        load=i % 3, recent_enterprises=frozenset({f"E{i}", f"E{i + 1}"})) for i in range(12)]
    officers.append(Officer("O99", "3104S01", on_duty=False))
    officers.append(Officer("C01", "3104S01", roles=frozenset({"section_chief"})))
    officers.append(Officer("C02", "3104S01", roles=frozenset({"section_chief"})))
    return tuple(officers)


def drawn_batch(runtime: Any, n: int = 300, batch_id: str = "B-TEST", reports: int = 40) -> dict[str, Any]:
    """A batch taken through commit → freeze → dice → `reports` report submissions (not revealed)."""
    services.do_open_batch(runtime, RISK, OpenBatch("3104", "3104S01", batch_id))
    services.do_freeze_batch(runtime, RISK, FreezeBatch(
        batch_id, candidates(n), roster(),
        SelectionPolicy.for_regime("2018", capacity=n // 10, random_rate="0.03",
                                   stratum_min_rates={"87": "0.05"}, scanner_sites=("3104S01",)),
        DispatchPolicy(workload_cap=6, p_recheck="0.2", p_chief="0.2")))
    result = services.do_enter_entropy(runtime, RISK, EnterDice(batch_id, DICE))
    with runtime.engine.connect() as conn:
        row = services.db.load_batch(conn, batch_id)
    assert row is not None
    for task_id, officer in sorted(row["outcome"]["assignments"].items())[:reports]:
        services.do_submit_report(runtime, INSPECTOR, SubmitReport(batch_id, task_id, officer))
    return result
