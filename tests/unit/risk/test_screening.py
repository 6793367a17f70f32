"""Screening plain declaration dicts into policy candidates: rule hits, grades, scores, reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from smartcustoms.capabilities.risk.domain.rules import Rule
from smartcustoms.capabilities.risk.screening import screen

REASON = {"zh-CN": "理由", "en": "reason"}
RULES = [Rule.from_definition({"id": "APPLES", "channel": "manual", "reason": REASON,
                               "when": {"item": {"hs": ["080810"]}}}),
         Rule.from_definition({"id": "DISHONEST", "score": "0.3", "reason": REASON,
                               "when": {"grade": ["dishonest"]}}),
         Rule.from_definition({"id": "NOMANIFEST", "channel": "document_review", "reason": REASON,
                               "when": {"manifest_flag": "no_manifest"}})]


class FixedScorer:
    model_version = "risk-abc"

    def score(self, declarations: Sequence[Mapping[str, Any]]) -> list[tuple[float, tuple[tuple[str, str], ...]]]:
        return [(0.5, (("log_unit_value", "0.8"),)) for _ in declarations]


def test_screening_applies_rules_grades_and_the_model() -> None:
    decls = [{"id": "D1", "enterprise_id": "E1", "manifest_flags": ["no_manifest"],
              "items": [{"hs_code": "0808100000"}]},
             {"id": "D2", "enterprise_id": "E2", "items": [{"hs_code": "8703241128"}], "containerised": False},
             {"id": "D3", "enterprise_id": "E3", "items": []}]
    out = screen(decls, grades={"E2": "dishonest"}, rules=RULES, on=date(2026, 11, 2), site="S1",
                 scorer=FixedScorer())
    c1, c2, c3 = (s.candidate for s in out)
    assert c1.forced_channel == "manual" and c1.rules == ("APPLES", "NOMANIFEST") and c1.stratum == "08"
    assert c2.grade == "dishonest" and c2.score == "0.800000" and not c2.containerised and c2.rules == ("DISHONEST",)
    assert c3.grade == "general" and c3.score == "0.500000" and c3.forced_channel == ""
    assert c3.model_version == "risk-abc" and c3.explain == (("log_unit_value", "0.8"),)
    assert [h.reason for h in out[0].hits] == [REASON, REASON]
    no_model = screen(decls, grades={}, rules=[], on=date(2026, 11, 2), site="S1")
    assert all(s.candidate.score == "0.000000" for s in no_model)
