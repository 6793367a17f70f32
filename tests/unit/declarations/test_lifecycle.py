"""The lifecycle state machine: reached only through allowed transitions, time never goes backwards, an illegal
step raises and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.capabilities.declarations.domain import (
    TRANSITIONS,
    Action,
    Channel,
    InspectionResult,
    Lifecycle,
    Reason,
    ScreeningResult,
    Status,
    after_screening,
    allowed_actions,
    may_act,
    transition,
)
from smartcustoms.kernel.errors import IllegalTransition

T0 = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
SCREENINGS = st.sampled_from([ScreeningResult(Channel.RELEASE),
                              ScreeningResult(Channel.INSPECTION, (Reason("sensitive_chapter", "k"),))])


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(list(Action)), st.integers(-3600, 7200), SCREENINGS,
                                st.sampled_from(list(InspectionResult))), max_size=25))
def test_random_action_sequences_respect_the_state_machine(steps: list[tuple[Action, int, ScreeningResult,
                                                                             InspectionResult]]) -> None:
    lc = Lifecycle.declared(T0)
    now = T0
    visited = [lc.status]
    for action, delta, screening, result in steps:
        at = now + timedelta(seconds=delta)
        before = lc
        try:
            lc = transition(lc, action, at, screening=screening, result=result)
        except IllegalTransition:
            assert lc == before  # nothing changed
            legal_edge = before.status in TRANSITIONS[action]
            backwards = at < (before.last_stamp() or T0)
            guarded = (action is Action.RELEASE and before.status is Status.SCREENED
                       and before.channel is Channel.INSPECTION)
            assert (not legal_edge) or backwards or guarded
            continue
        assert TRANSITIONS[action][before.status] is lc.status  # reached only through an allowed edge
        assert lc.stamp(lc.status) == at
        now = max(now, at)
        visited.append(lc.status)
        stamps = [stamp for _stage, stamp in lc.stages()]
        assert stamps == sorted(stamps)
        assert lc.last_stamp() == at  # time never goes backwards
    assert len(visited) == len(set(visited))  # each stage is reached at most once


def test_the_happy_paths() -> None:
    lc = transition(Lifecycle.declared(T0), Action.ACCEPT, T0)
    lc = transition(lc, Action.SCREEN, T0, screening=ScreeningResult(Channel.RELEASE))
    assert after_screening(lc) is Action.RELEASE
    released = transition(lc, Action.RELEASE, T0 + timedelta(minutes=1))
    assert released.status is Status.RELEASED
    assert transition(released, Action.CLOSE, T0 + timedelta(days=1)).status is Status.CLOSED

    lc = transition(transition(Lifecycle.declared(T0), Action.ACCEPT, T0), Action.SCREEN, T0,
                    screening=ScreeningResult(Channel.INSPECTION))
    assert after_screening(lc) is Action.ORDER_INSPECTION
    with pytest.raises(IllegalTransition) as exc:
        transition(lc, Action.RELEASE, T0)
    assert exc.value.key == "declarations.inspection_required"
    lc = transition(lc, Action.ORDER_INSPECTION, T0)
    lc = transition(lc, Action.RECORD_INSPECTION, T0 + timedelta(hours=2), result=InspectionResult.ANOMALY)
    assert lc.inspection_result is InspectionResult.ANOMALY
    held = transition(lc, Action.HOLD, T0 + timedelta(hours=3))
    assert allowed_actions(held.status) == [Action.RELEASE, Action.CLOSE]
    assert transition(held, Action.RELEASE, T0 + timedelta(days=2)).status is Status.RELEASED


def test_illegal_step_and_time_going_backwards_raise() -> None:
    lc = Lifecycle.declared(T0)
    with pytest.raises(IllegalTransition) as exc:
        transition(lc, Action.RELEASE, T0)
    assert exc.value.key == "declarations.illegal_transition"
    with pytest.raises(IllegalTransition) as exc:
        transition(lc, Action.ACCEPT, T0 - timedelta(seconds=1))
    assert exc.value.key == "declarations.time_backwards"


def test_role_policy() -> None:
    assert may_act(frozenset({"inspector"}), Action.RECORD_INSPECTION, Status.INSPECTION_ORDERED)
    assert not may_act(frozenset({"section_chief"}), Action.RECORD_INSPECTION, Status.INSPECTION_ORDERED)
    assert may_act(frozenset({"inspector"}), Action.RELEASE, Status.INSPECTED)
    assert not may_act(frozenset({"inspector"}), Action.RELEASE, Status.HELD)
    assert may_act(frozenset({"section_chief"}), Action.RELEASE, Status.HELD)
    assert not may_act(frozenset({"inspector"}), Action.CLOSE, Status.RELEASED)
    for action in Action:
        assert not may_act(frozenset({"auditor", "risk_officer", "admin", "monitoring_officer"}), action,
                           Status.SCREENED)
