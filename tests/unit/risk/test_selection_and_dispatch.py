"""Invariants of the selection policy and of random dispatch / re-inspection, checked with hypothesis."""

from __future__ import annotations

import hashlib
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.capabilities.risk.domain.dispatch import (
    DispatchPolicy,
    Officer,
    Task,
    dispatch,
    recheck_draw,
)
from smartcustoms.capabilities.risk.domain.selection import (
    Candidate,
    Channel,
    Grade,
    SelectionPolicy,
    Source,
    UnloadingMethod,
    choose,
    most_severe,
    select,
)
from smartcustoms.capabilities.risk.randomness import VerifiableDraws

GRADES = [g.value for g in Grade]


def draws_for(n: int) -> VerifiableDraws:
    return VerifiableDraws(hashlib.sha256(f"seed-{n}".encode()).digest())


def candidate_lists(max_size: int = 60) -> st.SearchStrategy[list[Candidate]]:
    one = st.builds(lambda e, g, s, forced, cont: (e, g, s, forced, cont),
                    st.integers(0, 9), st.sampled_from(GRADES), st.integers(0, 1_000_000),
                    st.sampled_from(["", "", "", "", "manual", "document_review"]), st.booleans())
    return st.lists(one, max_size=max_size).map(lambda rows: [
        Candidate(id=f"D{i:04d}", enterprise=f"E{e}", grade=g, score=f"{s / 1e6:.6f}", site="S1",
                  stratum=str(e % 3), forced_channel=f, containerised=c) for i, (e, g, s, f, c) in enumerate(rows)])


@given(candidate_lists(), st.integers(0, 40), st.integers(0, 10_000))
@settings(max_examples=80, deadline=None)
def test_model_share_never_pushes_the_batch_over_capacity(cands: list[Candidate], capacity: int, seed: int) -> None:
    policy = SelectionPolicy(capacity=capacity, random_rate="0.05", scanner_sites=("S1",))
    result = select(cands, policy, draws_for(seed))
    chosen = {d.declaration_id: d.source for d in result.selected}
    non_model = sum(1 for s in chosen.values() if s != Source.MODEL)
    assert len(chosen) <= max(capacity, non_model)
    assert result.over_capacity == (non_model > capacity)
    # every forced rule hit is inspected, through the channel the rule asked for
    for c, d in zip(cands, result.decisions, strict=True):
        if c.forced_channel:
            assert d.selected and d.source == Source.RULE and d.channel == Channel(c.forced_channel)
        assert d.reasons, "every decision is explained"
        assert d.selected == (d.channel != Channel.RELEASE)
        if not c.containerised:
            assert d.unloading_method == UnloadingMethod.NONE


@given(candidate_lists(), st.integers(0, 40), st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_same_inputs_and_seed_give_the_same_outputs_whatever_the_order(cands: list[Candidate], capacity: int,
                                                                        seed: int) -> None:
    policy = SelectionPolicy(capacity=capacity, random_rate="0.1")
    a = choose(cands, policy, draws_for(seed))
    b = choose(list(reversed(cands)), policy, draws_for(seed))
    assert a == b


@given(candidate_lists(), st.integers(1, 40), st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_the_model_share_takes_the_highest_scores(cands: list[Candidate], capacity: int, seed: int) -> None:
    policy = SelectionPolicy(capacity=capacity, random_rate="0", multipliers={})
    chosen = choose(cands, policy, draws_for(seed))
    model = [c for c in cands if chosen.get(c.id) == Source.MODEL]
    left = [c for c in cands if c.id not in chosen]
    if model and left:
        assert min(float(c.score) for c in model) >= max(float(c.score) for c in left)


def _batch(n: int, grade: str) -> list[Candidate]:
    return [Candidate(id=f"{grade}-{i}", enterprise=f"E{i % 50}", grade=grade, score=f"{(i * 7919 % 1000) / 1000:.6f}",
                      site="S1") for i in range(n)]


def test_rates_per_grade_are_within_binomial_bounds_over_many_batches() -> None:
    """Random share at 5 %, no model share: general ≈ 5 %, certified ≈ 2.5 %, AEO ≈ 1 %; dishonest ≈ 85 %."""
    policy = SelectionPolicy(capacity=0, random_rate="0.05")
    expected = {Grade.GENERAL: Fraction(5, 100), Grade.CERTIFIED: Fraction(25, 1000),
                Grade.ADVANCED_CERTIFIED: Fraction(1, 100), Grade.DISHONEST: Fraction(85, 100)}
    n_per_batch, batches = 400, 25
    for grade, p in expected.items():
        hits = 0
        for b in range(batches):
            hits += len(choose(_batch(n_per_batch, grade), policy, draws_for(b)))
        n = n_per_batch * batches
        mean, sd = float(p) * n, (float(p) * (1 - float(p)) * n) ** 0.5
        assert abs(hits - mean) < 5 * sd, (grade, hits, mean)
    # and the dishonest floor holds the 80 % rule
    assert expected[Grade.DISHONEST] >= Fraction(8, 10)


def test_certified_grades_are_thinned_in_the_model_share() -> None:
    policy = SelectionPolicy(capacity=10_000, random_rate="0")
    n = 4000
    gen = len(choose(_batch(n, Grade.GENERAL), policy, draws_for(1)))
    aeo = len(choose(_batch(n, Grade.ADVANCED_CERTIFIED), policy, draws_for(1)))
    assert gen == n and abs(aeo - 0.2 * n) < 5 * (0.2 * 0.8 * n) ** 0.5


def test_a_stratum_minimum_raises_the_random_rate_of_that_stratum_only() -> None:
    policy = SelectionPolicy(capacity=0, random_rate="0.01", stratum_min_rates={"87": "0.2"})
    cands = [Candidate(id=f"D{i}", enterprise="E", grade="general", score="0.1", site="S", stratum="87" if i % 2
                       else "84") for i in range(4000)]
    chosen = choose(cands, policy, draws_for(3))
    s87 = sum(1 for c in cands if c.stratum == "87" and c.id in chosen)
    s84 = sum(1 for c in cands if c.stratum == "84" and c.id in chosen)
    assert 300 < s87 < 500 and s84 < 50


def test_lawful_regimes_and_a_policy_that_breaks_the_credit_rules() -> None:
    for regime in ("2018", "2021", "2026"):
        assert SelectionPolicy.for_regime(regime, capacity=10).problems() == []
    bad = SelectionPolicy(capacity=1, multipliers={"advanced_certified": "0.3", "certified": "0.6"},
                          dishonest_floor="0.7")
    assert set(bad.problems()) == {"advanced_certified_above_0_2", "certified_above_0_5", "dishonest_floor_below_0_8"}


def test_channel_methods_and_reasons() -> None:
    policy = SelectionPolicy(capacity=3, random_rate="0", scanner_sites=("S1",))
    cands = [Candidate("A", "E1", "general", "0.950000", "S1"),
             Candidate("B", "E1", "general", "0.500000", "S1"),
             Candidate("C", "E1", "general", "0.200000", "S1"),
             Candidate("D", "E1", "general", "0.100000", "S1"),
             Candidate("R", "E1", "general", "0.000000", "S2", forced_channel="manual", rules=("APPLES",))]
    by_id = {d.declaration_id: d for d in select(cands, policy, draws_for(0)).decisions}
    assert by_id["A"].channel == Channel.MACHINE_AND_MANUAL and by_id["A"].unloading_method == "full"
    assert by_id["B"].channel == Channel.MACHINE and by_id["B"].inspection_method == "scan"
    assert by_id["C"].channel == Channel.RELEASE  # capacity 3: R (rule) + A + B
    assert by_id["R"].channel == Channel.MANUAL and by_id["R"].reasons[0].params["rules"] == "APPLES"
    assert [r.key for r in by_id["D"].reasons] == ["risk.reason.release"]
    assert most_severe(["document_review", "machine", ""]) == "machine" and most_severe([]) == ""


# --- dispatch ------------------------------------------------------------------------------------------------
roster_strategy = st.lists(st.tuples(st.sampled_from(["S1", "S2"]), st.integers(0, 5), st.booleans(),
                                     st.frozensets(st.sampled_from(["E0", "E1", "E2"]), max_size=2),
                                     st.booleans()), min_size=1, max_size=12)
task_strategy = st.lists(st.tuples(st.sampled_from(["S1", "S2"]), st.sampled_from(["E0", "E1", "E2", "E3"]),
                                   st.sampled_from(["", "", "hazmat"])), max_size=40)


@given(roster_strategy, task_strategy, st.integers(1, 6), st.integers(0, 1000))
@settings(max_examples=80, deadline=None)
def test_dispatch_respects_site_duty_qualification_cap_and_conflicts(roster_rows: list, task_rows: list,
                                                                       cap: int, seed: int) -> None:
    roster = [Officer(f"O{i}", site, load=load, on_duty=duty, recent_enterprises=recent,
                      qualifications=frozenset({"hazmat"}) if haz else frozenset())
              for i, (site, load, duty, recent, haz) in enumerate(roster_rows)]
    tasks = [Task(f"T{i:03d}", site, ent, q) for i, (site, ent, q) in enumerate(task_rows)]
    policy = DispatchPolicy(workload_cap=cap)
    result = dispatch(tasks, roster, policy, draws_for(seed))
    by_id = {o.id: o for o in roster}
    assert set(result.assignments) | set(result.unassigned) == {t.id for t in tasks}
    loads = {o.id: o.load for o in roster}
    seen: dict[str, set[str]] = {o.id: set(o.recent_enterprises) for o in roster}
    for task in sorted(tasks, key=lambda t: t.id):
        officer_id = result.assignments.get(task.id)
        if officer_id is None:
            continue
        o = by_id[officer_id]
        assert o.on_duty and o.site == task.site
        assert not task.qualification or task.qualification in o.qualifications
        assert task.enterprise not in seen[o.id], "an excluded (conflicted) officer was drawn"
        assert loads[o.id] < cap
        loads[o.id] += 1
        seen[o.id].add(task.enterprise)
    assert all(v <= max(cap, by_id[k].load) for k, v in result.loads.items())
    assert dispatch(tasks, list(reversed(roster)), policy, draws_for(seed)) == result


def test_dispatch_is_uniform_over_eligible_officers() -> None:
    roster = [Officer(f"O{i}", "S1") for i in range(5)]
    counts = dict.fromkeys((o.id for o in roster), 0)
    for b in range(1000):
        result = dispatch([Task("T", "S1", "E")], roster, DispatchPolicy(), draws_for(b))
        counts[result.assignments["T"]] += 1
    assert all(140 < c < 260 for c in counts.values()), counts


def test_recheck_rate_and_a_different_officer() -> None:
    roster = [Officer(f"O{i}", "S1") for i in range(4)] + [Officer("C1", "S1", roles=frozenset({"section_chief"}))]
    policy = DispatchPolicy(p_recheck="0.015", p_chief="0.01")
    n, rechecks, chiefs = 20_000, 0, 0
    d = draws_for(7)
    for i in range(n):
        out = recheck_draw(Task(f"T{i}", "S1", "E"), "O1", roster, policy, d)
        if out.recheck:
            rechecks += 1
            assert out.recheck_officer not in (None, "O1", "C1")
        if out.chief:
            chiefs += 1
            assert out.chief_officer == "C1"
    assert abs(rechecks - 300) < 5 * (300 * 0.985) ** 0.5
    assert abs(chiefs - 200) < 5 * (200 * 0.99) ** 0.5
    assert recheck_draw(Task("T5", "S1", "E"), "O1", roster, policy, d) == recheck_draw(
        Task("T5", "S1", "E"), "O1", list(reversed(roster)), policy, d)
