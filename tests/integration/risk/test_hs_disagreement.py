"""A declared commodity code that disagrees with a confident HS classification is a risk feature: batch
screening marks the item and the baseline rule sends the declaration to document review."""

from __future__ import annotations

from datetime import date
from typing import Any

from smartcustoms.capabilities.risk.batching import hs_checked
from smartcustoms.capabilities.risk.demo import BASELINE_RULES
from smartcustoms.capabilities.risk.domain.rules import Context, Rule, matching_items


def body(name: str, spec: str, code: str) -> dict[str, Any]:
    return {"id": "D1", "enterprise_id": "E1", "items": [{"seq": 1, "hs_code": code, "name": name, "spec": spec,
                                                         "origin": "DEU", "value": "100", "quantity": "1"}]}


def test_items_are_marked_only_when_a_model_is_ready(runtime: Any) -> None:
    from smartcustoms.capabilities.classification.services import install_model
    from tests.unit.classification.support import small_model

    laptop = body("laptop computer", "14 inch notebook", "0101210000")
    assert hs_checked(runtime, [laptop]) == [laptop]  # no model yet: nothing is trained on the way
    install_model(runtime, small_model(), {"metrics": {}}, persist=False)
    [marked] = hs_checked(runtime, [laptop])
    assert marked["items"][0]["hs_disagreement"] == "chapter"
    [agreeing] = hs_checked(runtime, [body("laptop computer", "14 inch notebook", "8471300000")])
    assert "hs_disagreement" not in agreeing["items"][0]


def test_the_baseline_rule_hits_chapter_and_heading_disagreements_only() -> None:
    definition = next(r for r in BASELINE_RULES if r["id"] == "HS_DISAGREEMENT")
    rule = Rule.from_definition(definition)
    assert rule.in_force(date(2026, 11, 2))
    ctx = Context()
    for level, hit in (("chapter", True), ("heading", True), ("subheading", False), (None, False)):
        decl = body("x", "y", "8471300000")
        if level:
            decl["items"][0]["hs_disagreement"] = level
        assert bool(matching_items(rule.when, decl, ctx)) is hit, level
