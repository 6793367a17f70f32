"""The platform's derivation and the standalone auditor script (written separately, standard library only) agree
on every batch hypothesis can think of — and both flag the same single-field edits."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.capabilities.risk.domain import batch as B
from smartcustoms.capabilities.risk.domain.dispatch import DispatchPolicy, Officer
from smartcustoms.capabilities.risk.domain.selection import Candidate, SelectionPolicy
from smartcustoms.capabilities.risk.randomness import (
    PROTOCOL,
    DiceEntropy,
    VerifiableDraws,
    commitment,
    derive_seed,
    merkle_root,
)

TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_randomness.py"


def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_randomness", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


VERIFY = tool()
GRADES = ["advanced_certified", "certified", "general", "dishonest", "seriously_dishonest"]


@st.composite
def batches(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 40))
    cands = [Candidate(id=f"D{i:03d}", enterprise=f"E{draw(st.integers(0, 5))}", grade=draw(st.sampled_from(GRADES)),
                       score=f"{draw(st.integers(0, 10**6)) / 1e6:.6f}", site=draw(st.sampled_from(["S1", "S2"])),
                       stratum=draw(st.sampled_from(["", "84", "87"])),
                       forced_channel=draw(st.sampled_from(["", "", "", "manual", "machine", "release"])),
                       qualification=draw(st.sampled_from(["", "", "hazmat"]))) for i in range(n)]
    roster = [Officer(f"O{i:02d}", draw(st.sampled_from(["S1", "S2"])),
                      roles=frozenset(draw(st.sampled_from([["inspector"], ["section_chief"], ["inspector",
                                                                                              "section_chief"]]))),
                      qualifications=frozenset(draw(st.sampled_from([[], ["hazmat"]]))), load=draw(st.integers(0, 3)),
                      recent_enterprises=frozenset(draw(st.lists(st.sampled_from(["E0", "E1", "E2"]), max_size=2))),
                      on_duty=draw(st.booleans())) for i in range(draw(st.integers(0, 8)))]
    selection = SelectionPolicy(capacity=draw(st.integers(0, 15)), random_rate=draw(st.sampled_from(["0", "0.1",
                                                                                                      "0.5"])),
                                stratum_min_rates={"87": "0.3"},
                                multipliers={"advanced_certified": "0.2", "certified": "0.5"},
                                dishonest_floor=draw(st.sampled_from(["0.8", "0.85", "1"])),
                                model_threshold=draw(st.sampled_from(["0", "0.5"])))
    dispatch = DispatchPolicy(workload_cap=draw(st.integers(1, 5)), p_recheck="0.3", p_chief="0.3")
    return {"cands": cands, "roster": roster, "selection": selection, "dispatch": dispatch,
            "seed": draw(st.integers(0, 10**6))}


def record_of(b: dict[str, Any]) -> dict[str, Any]:
    leaves = B.leaves(b["cands"], b["roster"], b["selection"], b["dispatch"])
    root = merkle_root(leaves)
    server_seed = hashlib.sha256(str(b["seed"]).encode()).digest()
    dice = DiceEntropy((("a", "123456789012"), ("b", str(b["seed"]).rjust(12, "0"))))
    draws = VerifiableDraws(derive_seed(server_seed, dice.value(), root))
    frozen = B.parse(leaves)
    outcome = B.derive(frozen, draws).as_record()
    outcome["rechecks"] = [B.recheck(frozen, t, o, draws).as_dict() for t, o in sorted(outcome["assignments"].items())]
    return {"protocol": PROTOCOL, "batch_id": "H", "commit": commitment(server_seed), "batch_root": root,
            "entropy": dice.record(), "server_seed": server_seed.hex(), "leaves": leaves,
            "timeline": {"committed_at": "2026-01-01T00:00:00+00:00", "frozen_at": "2026-01-01T01:00:00+00:00",
                         "entropy_at": "2026-01-01T01:05:00+00:00", "revealed_at": "2026-01-02T00:00:00+00:00"},
            "outcome": outcome}


@given(batches())
@settings(max_examples=120, deadline=None)
def test_the_auditor_script_re_derives_what_the_platform_drew(b: dict[str, Any]) -> None:
    record = record_of(b)
    assert B.verify_record(record) == []
    problems, checked = VERIFY.verify(record, record["batch_root"], record["commit"])
    assert problems == [] and checked == B.count_draws(record)


@given(batches(), st.data())
@settings(max_examples=60, deadline=None)
def test_both_flag_a_changed_leaf(b: dict[str, Any], data: st.DataObject) -> None:
    record = record_of(b)
    leaf = data.draw(st.sampled_from(record["leaves"]))
    key = data.draw(st.sampled_from(sorted(k for k in leaf if k not in ("kind", "id"))))
    leaf[key] = "tampered"
    assert any("batch_root" in p for p in B.verify_record(record))
    assert any("batch_root" in p for p in VERIFY.verify(record)[0])
