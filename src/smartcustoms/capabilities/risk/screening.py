"""Screening (筛选): turn plain declaration dicts into the policy's `Candidate` values — rule hits (forced channel,
score increments, reasons), the model score with its top reasons, the enterprise's credit grade.

This is what the `declarations.screener` port implementation calls (see INTEGRATION.md); it works on plain dicts
so that the risk capability does not depend on the declarations capability's classes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from smartcustoms.capabilities.risk.domain.rules import Context, Rule, RuleHit, evaluate
from smartcustoms.capabilities.risk.domain.selection import Candidate, Grade, most_severe
from smartcustoms.capabilities.risk.randomness import score_str


class Scorer(Protocol):
    """A learned risk score for declarations: one (score in [0, 1], top reasons) per declaration."""

    model_version: str

    def score(self, declarations: Sequence[Mapping[str, Any]]) -> list[tuple[float, tuple[tuple[str, str], ...]]]:
        ...


class NoModel:
    """Until a model trained on real inspection outcomes is installed: score 0, rules and random share only."""

    model_version = ""

    def score(self, declarations: Sequence[Mapping[str, Any]]) -> list[tuple[float, tuple[tuple[str, str], ...]]]:
        return [(0.0, ()) for _ in declarations]


@dataclass(frozen=True)
class Screened:
    candidate: Candidate
    hits: tuple[RuleHit, ...]


def screen(declarations: Sequence[Mapping[str, Any]], *, grades: Mapping[str, str], rules: Sequence[Rule],
           on: date, site: str, ctx: Context | None = None, scorer: Scorer | None = None) -> list[Screened]:
    """Rules first (forced channel = the most severe hit's; each hit's score increment is added to the model
    score, capped at 1), then the model. An enterprise without a known grade counts as general credit."""
    ctx = ctx or Context()
    scorer = scorer or NoModel()
    scored = scorer.score(declarations)
    out = []
    for decl, (model_score, explain) in zip(declarations, scored, strict=True):
        enterprise = str(decl.get("enterprise_id", ""))
        grade = grades.get(enterprise, Grade.GENERAL.value)
        hits = tuple(evaluate(rules, {**decl, "enterprise_grade": grade}, on, ctx))
        bump = sum(float(h.score) for h in hits)
        items = decl.get("items") or ()
        chapter = str(items[0].get("hs_code", ""))[:2] if items else ""
        out.append(Screened(Candidate(
            id=str(decl["id"]), enterprise=enterprise, grade=grade, score=score_str(min(1.0, model_score + bump)),
            site=site, stratum=chapter, forced_channel=most_severe(h.channel for h in hits),
            rules=tuple(sorted({h.rule_id for h in hits})), containerised=bool(decl.get("containerised", True)),
            qualification=str(decl.get("qualification", "")), model_version=scorer.model_version,
            explain=explain), hits))
    return out
