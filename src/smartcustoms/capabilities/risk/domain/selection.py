"""Selection policy (布控策略): which declarations of a screening batch are inspected, through which channel, by
which method and unloading method — and why.

Order of the sources (domain/risk.md §2.4), each recorded on the decision:

1. ``rule``   — a rule hit that forces a channel (ASYCUDA criterion at 100 %); always inspected.
2. ``credit`` — dishonest (失信) enterprises: a draw at the regime's floor rate (default 0.85 ≥ the 80 % rule).
3. ``random`` — the random share (随机布控): each remaining declaration is drawn at the stratum's rate (the
   policy's base random rate, or the stratum minimum if higher) times the grade's credit multiplier.
4. ``model``  — risk-based selection: the highest scores fill what is left of the site capacity. Certified
   enterprises' declarations enter the ranking only if a thinning draw at their multiplier passes, so their
   expected inspection rate is the multiplier times that of a general-credit declaration with the same score.

Capacity bounds the model share only: ``rule``, ``credit`` and ``random`` selections are never dropped (a rule
hit is a legal duty; the random share is the compliance measurement), and the result says when they alone
exceed capacity. All draws come from `VerifiableDraws`; decisions are a pure function of the frozen leaves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, NamedTuple

from smartcustoms.capabilities.risk.randomness import VerifiableDraws, rate


class Grade(StrEnum):
    ADVANCED_CERTIFIED = "advanced_certified"  # 高级认证企业 (AEO)
    CERTIFIED = "certified"  # 一般认证企业 (2018) / 认证企业 (2026)
    GENERAL = "general"  # 一般信用企业 / 常规管理 / 常规企业
    DISHONEST = "dishonest"  # 失信企业
    SERIOUSLY_DISHONEST = "seriously_dishonest"  # 严重失信企业 (2026)


class Channel(StrEnum):
    RELEASE = "release"  # 放行 (no inspection)
    DOCUMENT_REVIEW = "document_review"  # 单证审核
    MACHINE = "machine"  # 机检
    MANUAL = "manual"  # 人工查验
    MACHINE_AND_MANUAL = "machine_and_manual"  # 机检 + 人工


CHANNEL_SEVERITY = {c: i for i, c in enumerate(Channel)}


class InspectionMethod(StrEnum):
    NONE = "none"
    DOCUMENTS = "documents"  # 审单
    SCAN = "scan"  # 机检扫描
    EXTERNAL = "external"  # 外形查验
    SAMPLE = "sample"  # 开箱抽查
    FULL = "full"  # 彻底查验


class UnloadingMethod(StrEnum):
    """倒箱方式."""

    NONE = "none"  # 不倒箱
    PARTIAL = "partial"  # 半掏箱 / 部分倒箱
    FULL = "full"  # 全掏箱 / 全部倒箱


class Source(StrEnum):
    RULE = "rule"
    CREDIT = "credit"
    RANDOM = "random"
    MODEL = "model"


@dataclass(frozen=True)
class CreditRegime:
    """Inspection-rate factors per grade relative to general credit (risk.md §1.2, §1.5)."""

    name: str
    multipliers: Mapping[str, str]
    dishonest_floor: str


REGIMES: dict[str, CreditRegime] = {
    # Order 237 Art. 23–24: general certified < 50 %, advanced < 20 % of general; dishonest ≥ 80 % absolute.
    "2018": CreditRegime("2018", {Grade.ADVANCED_CERTIFIED: "0.2", Grade.CERTIFIED: "0.5", Grade.GENERAL: "1",
                                  Grade.DISHONEST: "1"}, "0.85"),
    # Order 251: AEO < 20 % of regular; no separate general-certified grade (treated as regular).
    "2021": CreditRegime("2021", {Grade.ADVANCED_CERTIFIED: "0.2", Grade.CERTIFIED: "1", Grade.GENERAL: "1",
                                  Grade.DISHONEST: "1"}, "0.85"),
    # Order 282, five grades; the certified factor is not yet verified against the text — configurable.
    "2026": CreditRegime("2026", {Grade.ADVANCED_CERTIFIED: "0.2", Grade.CERTIFIED: "0.5", Grade.GENERAL: "1",
                                  Grade.DISHONEST: "1", Grade.SERIOUSLY_DISHONEST: "1"}, "0.85"),
}
DISHONEST_GRADES = frozenset({Grade.DISHONEST, Grade.SERIOUSLY_DISHONEST})


@dataclass(frozen=True)
class SelectionPolicy:
    """Frozen into the batch as the ``policy`` leaf: every number a decimal string or an int."""

    capacity: int
    random_rate: str = "0.01"
    stratum_min_rates: Mapping[str, str] = field(default_factory=dict)
    regime: str = "2018"
    multipliers: Mapping[str, str] = field(default_factory=lambda: dict(REGIMES["2018"].multipliers))
    dishonest_floor: str = "0.85"
    model_threshold: str = "0"
    high_risk_score: str = "0.8"
    document_review_below: str = "0.3"
    scanner_sites: tuple[str, ...] = ()

    @classmethod
    def for_regime(cls, regime: str, capacity: int, **kw: Any) -> SelectionPolicy:
        r = REGIMES[regime]
        return cls(capacity=capacity, regime=regime, multipliers=dict(r.multipliers),
                   dishonest_floor=r.dishonest_floor, **kw)

    def problems(self) -> list[str]:
        """Violations of the credit rules (risk.md §1.5) and malformed rates; empty when the policy is lawful."""
        out = []
        numbers = [self.random_rate, self.dishonest_floor, self.model_threshold, self.high_risk_score,
                   self.document_review_below, *self.stratum_min_rates.values(), *self.multipliers.values()]
        if not all(is_rate(v) for v in numbers):
            return ["rate_invalid"]
        m = {k: Fraction(v) for k, v in self.multipliers.items()}
        if m.get(Grade.ADVANCED_CERTIFIED, Fraction(0)) > Fraction(1, 5):
            out.append("advanced_certified_above_0_2")
        if self.regime in ("2018", "2026") and m.get(Grade.CERTIFIED, Fraction(0)) > Fraction(1, 2):
            out.append("certified_above_0_5")
        if rate(self.dishonest_floor) < Fraction(4, 5):
            out.append("dishonest_floor_below_0_8")
        if self.capacity < 0:
            out.append("capacity_negative")
        return out

    def to_leaf(self) -> dict[str, Any]:
        return {"kind": "policy", "id": "selection", "capacity": self.capacity, "random_rate": self.random_rate,
                "stratum_min_rates": dict(sorted(self.stratum_min_rates.items())), "regime": self.regime,
                "multipliers": {str(k): v for k, v in sorted(self.multipliers.items())},
                "dishonest_floor": self.dishonest_floor, "model_threshold": self.model_threshold,
                "high_risk_score": self.high_risk_score, "document_review_below": self.document_review_below,
                "scanner_sites": sorted(self.scanner_sites)}

    @classmethod
    def from_leaf(cls, leaf: Mapping[str, Any]) -> SelectionPolicy:
        return cls(capacity=int(leaf["capacity"]), random_rate=leaf["random_rate"],
                   stratum_min_rates=dict(leaf["stratum_min_rates"]), regime=leaf["regime"],
                   multipliers=dict(leaf["multipliers"]), dishonest_floor=leaf["dishonest_floor"],
                   model_threshold=leaf["model_threshold"], high_risk_score=leaf["high_risk_score"],
                   document_review_below=leaf["document_review_below"],
                   scanner_sites=tuple(leaf["scanner_sites"]))


class Candidate(NamedTuple):
    """One declaration as the policy sees it (the ``declaration`` leaf). `score` is a 6-decimal string.
    A named tuple: a batch holds 100,000 of them."""

    id: str
    enterprise: str
    grade: str
    score: str
    site: str
    stratum: str = ""
    forced_channel: str = ""  # from rule hits: the most severe channel they ask for, "" if none
    rules: tuple[str, ...] = ()  # ids of the rules hit (for the explanation)
    containerised: bool = True
    qualification: str = ""  # qualification an inspecting officer needs ("" = any inspector)
    model_version: str = ""  # the artefact that produced `score`
    explain: tuple[tuple[str, str], ...] = ()  # the model's top reasons: (feature, contribution)

    def to_leaf(self) -> dict[str, Any]:
        """The frozen leaf; the explanation is frozen too, so the reasons shown later are the ones computed."""
        return {"kind": "declaration", "id": self.id, "enterprise": self.enterprise, "grade": self.grade,
                "score": self.score, "site": self.site, "stratum": self.stratum,
                "forced_channel": self.forced_channel, "rules": sorted(self.rules),
                "containerised": self.containerised, "qualification": self.qualification,
                "model_version": self.model_version, "explain": [list(e) for e in self.explain]}

    @classmethod
    def from_leaf(cls, leaf: Mapping[str, Any]) -> Candidate:
        return cls(id=leaf["id"], enterprise=leaf["enterprise"], grade=leaf["grade"], score=leaf["score"],
                   site=leaf["site"], stratum=leaf["stratum"], forced_channel=leaf["forced_channel"],
                   rules=tuple(leaf["rules"]), containerised=bool(leaf["containerised"]),
                   qualification=leaf["qualification"], model_version=leaf.get("model_version", ""),
                   explain=tuple((str(a), str(b)) for a, b in leaf.get("explain", ())))


class Reason(NamedTuple):
    """One line of the explanation: a message key (risk.reason.*) and its parameters."""

    key: str
    params: Mapping[str, Any] = {}

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "params": dict(self.params)}


class Decision(NamedTuple):
    """What the policy decided for one declaration (a named tuple: a batch makes 100,000 of them)."""

    declaration_id: str
    selected: bool
    source: str | None
    channel: Channel
    inspection_method: InspectionMethod
    unloading_method: UnloadingMethod
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class SelectionResult:
    decisions: tuple[Decision, ...]
    over_capacity: bool

    @property
    def selected(self) -> list[Decision]:
        return [d for d in self.decisions if d.selected]

    def by_source(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.selected:
            key = str(d.source or "")
            out[key] = out.get(key, 0) + 1
        return out


def is_rate(value: object) -> bool:
    """A decimal string in [0, 1] (what every rate and factor of a frozen policy must be)."""
    if not isinstance(value, str):
        return False
    try:
        return 0 <= Fraction(value) <= 1
    except (ValueError, ZeroDivisionError):
        return False


def multiplier(policy: SelectionPolicy, grade: str) -> Fraction:
    return Fraction(policy.multipliers.get(grade, "1"))


def random_probability(policy: SelectionPolicy, c: Candidate) -> Fraction:
    base = max(rate(policy.random_rate), rate(policy.stratum_min_rates.get(c.stratum, "0")))
    return min(Fraction(1), base * multiplier(policy, c.grade))


def choose(candidates: Sequence[Candidate], policy: SelectionPolicy, draws: VerifiableDraws) -> dict[str, str]:
    """The selection itself: declaration id → source, for the selected ones only (what the verifier checks)."""
    chosen: dict[str, str] = {}
    for c in candidates:
        if c.forced_channel and c.forced_channel != Channel.RELEASE:
            chosen[c.id] = Source.RULE
    floor = rate(policy.dishonest_floor)
    for c in candidates:
        if c.id not in chosen and c.grade in DISHONEST_GRADES and draws.below("floor", c.id, floor):
            chosen[c.id] = Source.CREDIT
    probability: dict[tuple[str, str], Fraction] = {}
    for c in candidates:
        if c.id in chosen:
            continue
        key = (c.stratum, c.grade)
        if key not in probability:
            probability[key] = random_probability(policy, c)
        if draws.below("random", c.id, probability[key]):
            chosen[c.id] = Source.RANDOM
    room = policy.capacity - len(chosen)
    if room > 0:
        threshold = Decimal(policy.model_threshold)
        factors = {g: Fraction(v) for g, v in policy.multipliers.items()}
        ranked = []
        for c in candidates:
            if c.id in chosen or Decimal(c.score) < threshold:
                continue
            m = factors.get(c.grade, Fraction(1))
            if m < 1 and not draws.below("thin", c.id, m):
                continue
            ranked.append((-Decimal(c.score), c.id))
        ranked.sort()
        for _, ident in ranked[:room]:
            chosen[ident] = Source.MODEL
    return chosen


def select(candidates: Sequence[Candidate], policy: SelectionPolicy, draws: VerifiableDraws) -> SelectionResult:
    ids = [c.id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate declaration ids in the batch")
    chosen = choose(candidates, policy, draws)
    decisions = tuple(decide(c, chosen.get(c.id), policy) for c in candidates)
    non_model = sum(1 for s in chosen.values() if s != Source.MODEL)
    return SelectionResult(decisions, over_capacity=non_model > policy.capacity)


def decide(c: Candidate, source: str | None, policy: SelectionPolicy) -> Decision:
    """Channel, inspection method and unloading method for one declaration, with the reasons."""
    if source is None:
        return Decision(c.id, False, None, Channel.RELEASE, InspectionMethod.NONE, UnloadingMethod.NONE,
                        (Reason("risk.reason.release", {"score": c.score}),))
    score = Decimal(c.score)
    scanner = c.site in policy.scanner_sites and c.containerised
    reasons: list[Reason] = []
    high = score >= Decimal(policy.high_risk_score)
    if source == Source.RULE:
        channel = Channel(c.forced_channel)
        reasons.append(Reason("risk.reason.rule_hit", {"rules": ", ".join(sorted(c.rules))}))
    elif source == Source.CREDIT:
        channel = Channel.MACHINE_AND_MANUAL if scanner else Channel.MANUAL
        reasons.append(Reason("risk.reason.credit_floor", {"grade": c.grade, "rate": policy.dishonest_floor}))
    elif source == Source.RANDOM:
        channel = Channel.MACHINE if scanner else Channel.MANUAL
        reasons.append(Reason("risk.reason.random", {"rate": str(float(random_probability(policy, c)))}))
    else:
        reasons.append(Reason("risk.reason.model", {"score": c.score}))
        if c.explain:
            reasons.append(Reason("risk.reason.model_features", {
                "features": ", ".join(name for name, _ in c.explain), "model": c.model_version}))
        if high:
            channel = Channel.MACHINE_AND_MANUAL if scanner else Channel.MANUAL
        elif score < Decimal(policy.document_review_below):
            channel = Channel.DOCUMENT_REVIEW
        else:
            channel = Channel.MACHINE if scanner else Channel.MANUAL
    if c.grade in (Grade.ADVANCED_CERTIFIED, Grade.CERTIFIED) and source in (Source.RANDOM, Source.MODEL):
        reasons.append(Reason("risk.reason.credit_multiplier", {"grade": c.grade,
                                                                 "factor": policy.multipliers.get(c.grade, "1")}))
    method, unloading = _method(channel, c, high or source in (Source.RULE, Source.CREDIT))
    reasons.append(Reason(f"risk.reason.channel.{channel.value}", {}))
    if unloading != UnloadingMethod.NONE:
        reasons.append(Reason(f"risk.reason.unloading.{unloading.value}", {}))
    return Decision(c.id, True, source, channel, method, unloading, tuple(reasons))


def _method(channel: Channel, c: Candidate, thorough: bool) -> tuple[InspectionMethod, UnloadingMethod]:
    if channel == Channel.RELEASE:
        return InspectionMethod.NONE, UnloadingMethod.NONE
    if channel == Channel.DOCUMENT_REVIEW:
        return InspectionMethod.DOCUMENTS, UnloadingMethod.NONE
    if channel == Channel.MACHINE:
        return InspectionMethod.SCAN, UnloadingMethod.NONE
    if not c.containerised:
        return (InspectionMethod.FULL if thorough else InspectionMethod.EXTERNAL), UnloadingMethod.NONE
    if thorough or channel == Channel.MACHINE_AND_MANUAL:
        return InspectionMethod.FULL, UnloadingMethod.FULL
    return InspectionMethod.SAMPLE, UnloadingMethod.PARTIAL


def most_severe(channels: Iterable[str]) -> str:
    """The forced channel of several rule hits: the most severe one ("" if none)."""
    known = [Channel(c) for c in channels if c]
    return max(known, key=CHANNEL_SEVERITY.__getitem__).value if known else ""
