"""`make run` starts with the baseline rules active (arms, antiques, solid waste, low unit value), once."""

from __future__ import annotations

from typing import Any

from smartcustoms.capabilities.risk import rule_services
from smartcustoms.capabilities.risk.demo import BASELINE_RULES, load_demo


def test_baseline_rules_are_active_and_loading_twice_adds_nothing(runtime: Any) -> None:
    load_demo(runtime)
    load_demo(runtime)
    with runtime.engine.connect() as conn:
        active = rule_services.active_rules(conn)
    assert sorted(r.id for r in active) == sorted(r["id"] for r in BASELINE_RULES)
    assert all(r.version == 1 for r in active)
