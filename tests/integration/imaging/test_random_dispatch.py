"""Double random reaches the review centre: the scan of a declaration that a risk batch selected goes to an
image reviewer drawn at random with that batch's seed, among the reviewers on duty whose customs covers the
scan; the draw is in the published record and the auditor's standalone verifier re-derives it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from smartcustoms.capabilities.declarations.ports import DIRECTORY
from smartcustoms.capabilities.imaging.services import do_next
from smartcustoms.capabilities.risk import batching, services
from smartcustoms.capabilities.risk.commands import RevealBatch
from smartcustoms.capabilities.risk.domain.batch import verify_record
from smartcustoms.platform.identity.model import Principal, Role
from tests.integration.imaging.helpers import assignment_of, ingest, reviewer, setup_devices
from tests.integration.risk.test_live_screening import BAD_USER, submit
from tests.unit.declarations.factories import BAD, FakeDirectory

ROOT = Path(__file__).resolve().parents[3]
AUDITOR = Principal("a", "aud", "aud", frozenset({Role.AUDITOR}))


def standalone_verifier(record: dict[str, Any], path: Path) -> subprocess.CompletedProcess[str]:
    """The auditor's stand-alone script, in an isolated interpreter, on the published record."""
    path.write_text(json.dumps(record, default=str), encoding="utf-8")
    return subprocess.run([sys.executable, "-I", str(ROOT / "tools" / "verify_randomness.py"), str(path)],
                          capture_output=True, text=True)


@pytest.fixture
def inspectors(runtime: Any, make_user: Any) -> None:
    """Officers at the Beilun site, so the batch can dispatch its inspection tasks."""
    runtime.ports[DIRECTORY] = FakeDirectory()
    for _ in range(3):
        make_user("inspector", org_unit="3104S01")
    make_user("section_chief", org_unit="3104")


def _selected_declaration(runtime: Any) -> tuple[str, str]:
    submit(runtime, 1, 24)
    submit(runtime, 100, 6, BAD_USER, BAD)  # a dishonest trader: inspected at the 0.85 floor, so some are selected
    [result] = batching.close_due(runtime, batching.BatchConfig(size=30), simulated_entropy=True)
    with runtime.engine.connect() as conn:
        decisions = services.db.load_decisions(conn, result["batch_id"])
    selected = sorted(d["declaration_id"] for d in decisions if d["selected"] and d["officer_id"])
    assert selected
    return result["batch_id"], selected[0]


def test_a_selected_declarations_scan_goes_to_a_reviewer_drawn_with_the_batch_seed(
        runtime: Any, inspectors: None, make_user: Any, tmp_path: Path) -> None:
    batch_id, declaration_id = _selected_declaration(runtime)
    setup_devices(runtime)
    beilun = [reviewer(runtime, make_user) for _ in range(3)]
    shanghai = reviewer(runtime, make_user, org_unit="2200")
    for who in [*beilun, shanghai]:
        assert do_next(runtime, who) is None  # on duty, nothing waiting yet

    scan, _ = ingest(runtime, "RND-1", declaration_id=declaration_id)
    assignment = assignment_of(runtime, scan["id"])
    assert assignment["rule"] == "random" and assignment["batch_id"] == batch_id
    assert assignment["label"] == "H986-1/RND-1"
    assert assignment["candidates"] == sorted(w.user_id for w in beilun)  # Shanghai's reviewer is not one
    assert scan["assigned_to"] in assignment["candidates"]

    # uploading the same scan again draws nothing new
    again, created = ingest(runtime, "RND-1", declaration_id=declaration_id)
    assert not created and again["assigned_to"] == scan["assigned_to"]

    services.do_reveal(runtime, batching.SYSTEM, RevealBatch(batch_id))
    record = services.access_record(runtime, AUDITOR, batch_id)
    assert [(r["label"], r["reviewer"]) for r in record["outcome"]["reviews"]] == [("H986-1/RND-1",
                                                                                    scan["assigned_to"])]
    assert verify_record(record) == []
    out = standalone_verifier(record, tmp_path / "record.json")
    assert out.returncode == 0, out.stdout + out.stderr

    # a record whose reviewer was changed afterwards is caught by both verifiers
    other = next(w.user_id for w in beilun if w.user_id != scan["assigned_to"])
    record["outcome"]["reviews"][0]["reviewer"] = other
    assert any("image review H986-1/RND-1" in p for p in verify_record(record))
    out = standalone_verifier(record, tmp_path / "record.json")
    assert out.returncode == 1 and "image review H986-1/RND-1" in out.stdout

    # once the seed is public a draw would be predictable: the next scan falls back to the least-loaded reviewer
    later, _ = ingest(runtime, "RND-2", seed=2, declaration_id=declaration_id)
    assert assignment_of(runtime, later["id"])["rule"] == "least_loaded"
    assert later["assigned_to"] != scan["assigned_to"]  # the drawn reviewer already has one open scan
