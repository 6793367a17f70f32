"""The task state machine, the anomaly rules, the assignment fallback, media sniffing and KPI arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartcustoms.capabilities.inspection.domain import (
    OPEN_STATES,
    TRANSITIONS,
    Disposal,
    Finding,
    Stamps,
    TaskAction,
    TaskState,
    judge,
    kpis,
    least_loaded,
    path_to,
    sniff_media,
)
from smartcustoms.kernel.errors import IllegalTransition

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@given(st.lists(st.tuples(st.sampled_from(list(TaskAction)), st.integers(min_value=-5, max_value=60)),
                max_size=20))
def test_any_sequence_keeps_the_invariants(steps: list[tuple[TaskAction, int]]) -> None:
    """Whatever is tried: only listed transitions happen, each state is stamped once, stamps never go back,
    and a refused step changes nothing."""
    s = Stamps(TaskState.ORDERED, {TaskState.ORDERED: T0})
    now = T0
    for action, minutes in steps:
        when = now + timedelta(minutes=minutes)
        try:
            nxt = s.advance(action, when)
        except IllegalTransition:
            assert TRANSITIONS[action].get(s.state) is None or when < max(s.at.values())
            continue
        assert nxt.state == TRANSITIONS[action][s.state]
        assert nxt.state not in s.at and len(nxt.at) == len(s.at) + 1
        s, now = nxt, max(now, when)
    times = [s.at[state] for state in TaskState if state in s.at]
    assert times == sorted(times)


@pytest.mark.parametrize("target", list(TaskState))
def test_every_state_is_reachable_from_ordered(target: TaskState) -> None:
    s = Stamps(TaskState.ORDERED, {TaskState.ORDERED: T0})
    for i, action in enumerate(path_to(target)):
        s = s.advance(action, T0 + timedelta(minutes=i + 1))
    assert s.state is target


def test_closed_is_final_and_reported_needs_a_decision() -> None:
    assert all(TaskState.CLOSED not in t for t in TRANSITIONS.values())
    assert TaskState.REPORTED in OPEN_STATES


def test_rules_turn_discrepancies_into_disposals() -> None:
    assert not judge([Finding(1, "conform")]).discrepancy
    q = judge([Finding(1, "discrepancy", "quantity")])
    assert q.disposals == (Disposal.AMEND_DECLARATION,) and not q.chief_approval and q.releasable
    p = judge([Finding(1, "discrepancy", "prohibited"), Finding(2, "discrepancy", "value")])
    assert p.chief_approval and not p.releasable
    assert p.disposals == (Disposal.ANTI_SMUGGLING, Disposal.RETURN_DESTROY, Disposal.AMEND_DECLARATION,
                           Disposal.SUPPLEMENTARY_TAX)


def test_least_loaded_then_lowest_id_is_deterministic() -> None:
    assert least_loaded(["b", "a", "c"], {"a": 2, "b": 1, "c": 1}) == "b"
    assert least_loaded(["b", "a"], {}) == "a"
    assert least_loaded(["a"], {}, exclude=["a"]) is None


def test_media_types_come_from_magic_bytes() -> None:
    assert sniff_media(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff_media(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff_media(b"\x00\x00\x00\x18ftypmp42") == "video/mp4"
    assert sniff_media(b"%PDF-1.7") is None and sniff_media(b"GIF89a") is None


def test_kpis() -> None:
    k = kpis([(True, False), (True, True), (False, False), (True, False)], [600, 1200], originals=4, rechecks=1)
    assert k.one_time_release_rate == 0.5 and k.average_duration_minutes == 15.0 and k.recheck_rate == 0.25
    assert kpis([], [], 0, 0).one_time_release_rate is None
