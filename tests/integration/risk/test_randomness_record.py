"""The randomness protocol end to end on SQLite and PostgreSQL, and the adversarial checks: an auditor with
only the published record and the standard library re-derives 100 % of the draws; a declaration changed after
the freeze, or a changed seed, is detected."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from smartcustoms.capabilities.risk import db, services
from smartcustoms.capabilities.risk.commands import EnterDice, FreezeBatch, OpenBatch, RevealBatch, SubmitReport
from smartcustoms.capabilities.risk.domain.batch import count_draws, verify_record
from smartcustoms.capabilities.risk.domain.selection import SelectionPolicy
from smartcustoms.kernel.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from smartcustoms.platform import audit
from smartcustoms.platform.identity.model import Principal, Role
from tests.integration.risk.helpers import DICE, INSPECTOR, RISK, candidates, drawn_batch, roster

TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_randomness.py"


def published(runtime: Any, batch_id: str = "B-TEST") -> dict[str, Any]:
    services.do_reveal(runtime, RISK, RevealBatch(batch_id))
    auditor = Principal("u-aud", "aud", "审计", frozenset({Role.AUDITOR}), customs_scope=None)
    return services.access_record(runtime, auditor, batch_id)


def run_tool(record: dict[str, Any], tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    # -I: isolated mode, so the script cannot import smartcustoms even by accident
    return subprocess.run([sys.executable, "-I", str(TOOL), str(path), *extra], capture_output=True, text=True,
                          timeout=120)


def test_an_auditor_re_derives_every_draw_from_the_published_record(runtime: Any, tmp_path: Path) -> None:
    result = drawn_batch(runtime)
    assert result["selected"] > 0 and result["assigned"] > 0
    record = published(runtime)
    assert record["server_seed"] and record["outcome"]["rechecks"]
    assert any(r["recheck"] for r in record["outcome"]["rechecks"])
    assert verify_record(record) == []
    done = run_tool(record, tmp_path, "--root", record["batch_root"], "--commit", record["commit"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"all {count_draws(record)} outcomes re-derived" in done.stdout
    with runtime.engine.connect() as conn:
        assert services.verify_batch(conn, "B-TEST") == []
        assert audit.verify(conn)[1] == []


def test_a_declaration_changed_after_the_freeze_is_detected(runtime: Any, tmp_path: Path) -> None:
    drawn_batch(runtime)
    record = published(runtime)
    forged = copy.deepcopy(record)
    leaf = next(x for x in forged["leaves"] if x["kind"] == "declaration" and x["id"] == "D00005")
    leaf["score"] = "0.999999"
    done = run_tool(forged, tmp_path, "--root", record["batch_root"])
    assert done.returncode == 1 and "batch_root" in done.stdout
    # recomputing the root over the forged leaves does not help: it no longer matches the published root
    forged["batch_root"] = services.merkle_root(forged["leaves"])
    done = run_tool(forged, tmp_path, "--root", record["batch_root"])
    assert done.returncode == 1 and "published at freeze" in done.stdout
    # the same edit made inside the database is caught by `verify_batch` (and the CLI)
    with runtime.engine.begin() as conn:
        t = db.risk_batch_leaves
        body = next(x for x in db.load_leaves(conn, "B-TEST") if x["id"] == "D00005")
        conn.execute(update(t).where(t.c.batch_id == "B-TEST", t.c.item_id == "D00005")
                     .values(body={**body, "grade": "advanced_certified"}))
    with runtime.engine.connect() as conn:
        problems = services.verify_batch(conn, "B-TEST")
    assert any("batch_root" in p for p in problems)


def test_a_changed_seed_or_a_changed_outcome_is_detected(runtime: Any, tmp_path: Path) -> None:
    drawn_batch(runtime)
    record = published(runtime)
    forged = copy.deepcopy(record)
    forged["server_seed"] = "00" * 32
    done = run_tool(forged, tmp_path)
    assert done.returncode == 1 and "server_seed" in done.stdout
    steered = copy.deepcopy(record)
    task = next(iter(steered["outcome"]["assignments"]))
    steered["outcome"]["assignments"][task] = "O99"  # the off-duty officer
    done = run_tool(steered, tmp_path)
    assert done.returncode == 1 and f"assignment {task}" in done.stdout
    dropped = copy.deepcopy(record)
    victim = next(k for k, v in dropped["outcome"]["selections"].items() if v == "random")
    del dropped["outcome"]["selections"][victim]
    done = run_tool(dropped, tmp_path)
    assert done.returncode == 1 and f"selection {victim}" in done.stdout
    flipped = copy.deepcopy(record)
    flipped["outcome"]["rechecks"][0]["recheck"] = not flipped["outcome"]["rechecks"][0]["recheck"]
    assert run_tool(flipped, tmp_path).returncode == 1
    other_dice = copy.deepcopy(record)
    other_dice["entropy"]["parties"][0]["digits"] = "00000000000000"
    assert run_tool(other_dice, tmp_path).returncode == 1


def test_database_edits_to_decisions_or_seed_are_named_by_the_cli(runtime: Any, monkeypatch: Any) -> None:
    drawn_batch(runtime)
    services.do_reveal(runtime, RISK, RevealBatch("B-TEST"))
    monkeypatch.setenv("SMARTCUSTOMS_DATABASE_URL", runtime.settings.effective_database_url)
    monkeypatch.setenv("SMARTCUSTOMS_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("SMARTCUSTOMS_MQTT_URL", "")
    from smartcustoms.cli.main import app

    ok = CliRunner().invoke(app, ["risk", "randomness-verify", "B-TEST"])
    assert ok.exit_code == 0, ok.output
    assert "reproduced" in ok.output
    alias = CliRunner().invoke(app, ["randomness", "verify", "B-TEST"])  # the name for it
    assert alias.exit_code == 0 and "reproduced" in alias.output
    exported = CliRunner().invoke(app, ["risk", "record", "B-TEST"])
    assert exported.exit_code == 0 and json.loads(exported.output)["server_seed"]
    assert CliRunner().invoke(app, ["risk", "randomness-verify", "B-NONE"]).exit_code == 1
    with runtime.engine.begin() as conn:
        victim = conn.execute(db.risk_decisions.select().where(db.risk_decisions.c.selected.is_(False))
                              ).mappings().first()
        assert victim is not None
        conn.execute(update(db.risk_decisions).where(
            db.risk_decisions.c.declaration_id == victim["declaration_id"]).values(selected=True, source="random"))
        conn.execute(update(db.risk_batches).values(server_seed="11" * 32))
    bad = CliRunner().invoke(app, ["risk", "randomness-verify", "B-TEST"])
    assert bad.exit_code == 1
    assert CliRunner().invoke(app, ["randomness", "verify", "B-TEST"]).exit_code == 1
    assert f"decision {victim['declaration_id']}" in bad.output and "server_seed" in bad.output


def test_the_protocol_refuses_steps_out_of_order_and_bad_entropy(runtime: Any) -> None:
    services.do_open_batch(runtime, RISK, OpenBatch("3104", "3104S01", "B-2"))
    with pytest.raises(IllegalTransition):
        services.do_enter_entropy(runtime, RISK, EnterDice("B-2", DICE))
    with pytest.raises(Conflict):
        services.do_open_batch(runtime, RISK, OpenBatch("3104", "3104S01", "B-2"))
    with pytest.raises(ValidationFailed) as bad:
        services.do_freeze_batch(runtime, RISK, FreezeBatch(
            "B-2", candidates(10), roster(),
            SelectionPolicy(capacity=1, multipliers={"advanced_certified": "0.5"}, dishonest_floor="0.5")))
    assert {e.key for e in bad.value.errors} == {"risk.policy.advanced_certified_above_0_2",
                                                  "risk.policy.dishonest_floor_below_0_8"}
    elsewhere = tuple(c._replace(site="2201S01") if c.id == "D00003" else c for c in candidates(10))
    with pytest.raises(ValidationFailed) as bad:
        services.do_freeze_batch(runtime, RISK, FreezeBatch("B-2", elsewhere, roster(), SelectionPolicy(capacity=2)))
    assert [e.field for e in bad.value.errors] == ["candidates.3.site"]
    services.do_freeze_batch(runtime, RISK, FreezeBatch("B-2", candidates(10), roster(),
                                                        SelectionPolicy(capacity=2)))
    with pytest.raises(ValidationFailed):
        services.do_enter_entropy(runtime, RISK, EnterDice("B-2", (("only_me", "1" * 30),)))
    with pytest.raises(IllegalTransition):
        services.do_reveal(runtime, RISK, RevealBatch("B-2"))
    services.do_enter_entropy(runtime, RISK, EnterDice("B-2", DICE))
    services.do_reveal(runtime, RISK, RevealBatch("B-2"))
    with pytest.raises(IllegalTransition):  # after the reveal nobody may draw again
        services.do_submit_report(runtime, INSPECTOR, SubmitReport("B-2", "D00000", "O01"))


def test_reports_only_from_the_drawn_officer_once_and_access_rules(runtime: Any) -> None:
    drawn_batch(runtime, reports=0)
    with runtime.engine.connect() as conn:
        row = db.load_batch(conn, "B-TEST")
    assert row is not None
    task, officer = next(iter(row["outcome"]["assignments"].items()))
    with pytest.raises(ValidationFailed):
        services.do_submit_report(runtime, INSPECTOR, SubmitReport("B-TEST", task, "O-someone-else"))
    services.do_submit_report(runtime, INSPECTOR, SubmitReport("B-TEST", task, officer))
    with pytest.raises(Conflict):
        services.do_submit_report(runtime, INSPECTOR, SubmitReport("B-TEST", task, officer))
    with pytest.raises(NotFound):
        services.do_submit_report(runtime, INSPECTOR, SubmitReport("B-TEST", "D-none", officer))
    shanghai = Principal("u-sh", "sh", "上海", frozenset({Role.RISK_OFFICER}), customs_scope=frozenset({"2201"}))
    with pytest.raises(NotFound):
        services.access_record(runtime, shanghai, "B-TEST")
    enterprise = Principal("u-e", "e", "企业", frozenset({Role.ENTERPRISE_USER}), enterprise_id="E1")
    with pytest.raises(PermissionDenied):
        services.access_record(runtime, enterprise, "B-TEST")
    # before the reveal the published record withholds the seed
    auditor = Principal("u-aud", "aud", "审计", frozenset({Role.AUDITOR}))
    assert services.access_record(runtime, auditor, "B-TEST")["server_seed"] is None
    with runtime.engine.connect() as conn:
        actions = [e["action"] for e in audit.trail(conn, "risk_batch", "B-TEST")]
    assert actions == ["risk.batch_committed", "risk.batch_frozen", "risk.batch_drawn", "risk.recheck_drawn"]


def test_an_officer_is_not_drawn_again_for_an_enterprise_within_the_conflict_window(runtime: Any,
                                                                                     clock: Any) -> None:
    from smartcustoms.capabilities.risk.domain.dispatch import DispatchPolicy, Officer
    from smartcustoms.capabilities.risk.domain.selection import Candidate

    officers = tuple(Officer(f"O{i}", "S") for i in range(3))
    policy = SelectionPolicy(capacity=1, random_rate="0")

    def one_batch(batch_id: str) -> str:
        services.do_open_batch(runtime, RISK, OpenBatch("3104", "S", batch_id))
        services.do_freeze_batch(runtime, RISK, FreezeBatch(
            batch_id, (Candidate(f"{batch_id}-D", "E-ACME", "general", "0.900000", "S"),), officers, policy,
            DispatchPolicy(conflict_days=30)))
        services.do_enter_entropy(runtime, RISK, EnterDice(batch_id, DICE))
        with runtime.engine.connect() as conn:
            row = db.load_batch(conn, batch_id)
            assert row is not None
            return str(row["outcome"]["assignments"][f"{batch_id}-D"])

    drawn = [one_batch("B-a")]
    clock.advance(days=1)
    drawn.append(one_batch("B-b"))
    clock.advance(days=1)
    drawn.append(one_batch("B-c"))
    assert sorted(drawn) == ["O0", "O1", "O2"]  # each officer once: the earlier ones were excluded
    clock.advance(days=1)
    services.do_open_batch(runtime, RISK, OpenBatch("3104", "S", "B-d"))
    services.do_freeze_batch(runtime, RISK, FreezeBatch(
        "B-d", (Candidate("B-d-D", "E-ACME", "general", "0.900000", "S"),), officers, policy, DispatchPolicy()))
    result = services.do_enter_entropy(runtime, RISK, EnterDice("B-d", DICE))
    assert result["unassigned"] == 1  # nobody left without a conflict: a section chief assigns it by hand
    clock.advance(days=40)
    assert one_batch("B-e") in {"O0", "O1", "O2"}  # the window has passed


def test_multi_party_secrets_committed_before_the_freeze(runtime: Any, tmp_path: Path) -> None:
    from smartcustoms.capabilities.risk.commands import CommitParty, EnterSecrets
    from smartcustoms.capabilities.risk.randomness import party_commitment

    chief = Principal("u-chief", "chief1", "科长", frozenset({Role.SECTION_CHIEF}), customs_scope=frozenset({"3104"}))
    secrets_ = {"risk1": bytes(range(20)), "chief1": bytes(range(100, 132))}
    services.do_open_batch(runtime, RISK, OpenBatch("3104", "3104S01", "B-MP"))
    services.do_commit_party(runtime, RISK, CommitParty("B-MP", party_commitment(secrets_["risk1"])))
    services.do_commit_party(runtime, chief, CommitParty("B-MP", party_commitment(secrets_["chief1"])))
    with pytest.raises(Conflict):
        services.do_commit_party(runtime, chief, CommitParty("B-MP", "ab" * 32))
    with pytest.raises(ValidationFailed):
        services.do_commit_party(runtime, chief, CommitParty("B-MP", "not hex"))
    services.do_freeze_batch(runtime, RISK, FreezeBatch("B-MP", candidates(80), roster(),
                                                        SelectionPolicy(capacity=8, random_rate="0.05")))
    auditor = Principal("u-aud", "aud", "审计", frozenset({Role.AUDITOR}))
    with pytest.raises(PermissionDenied):
        services.do_commit_party(runtime, auditor, CommitParty("B-MP", "ab" * 32))
    with pytest.raises(IllegalTransition):  # too late: the population is frozen
        services.do_commit_party(runtime, INSPECTOR, CommitParty("B-MP", "ab" * 32))
    with pytest.raises(IllegalTransition):  # committed parties' secrets, not dice
        services.do_enter_entropy(runtime, RISK, EnterDice("B-MP", DICE))
    with pytest.raises(ValidationFailed) as bad:
        services.do_enter_entropy(runtime, RISK, EnterSecrets("B-MP", (("risk1", secrets_["risk1"].hex()),)))
    assert [e.key for e in bad.value.errors] == ["risk.entropy.secret_missing"]
    with pytest.raises(ValidationFailed) as bad:
        services.do_enter_entropy(runtime, RISK, EnterSecrets("B-MP", (("risk1", secrets_["risk1"].hex()),
                                                                       ("chief1", bytes(32).hex()))))
    assert [e.key for e in bad.value.errors] == ["risk.entropy.secret_mismatch"]
    services.do_enter_entropy(runtime, RISK, EnterSecrets("B-MP", tuple((p, s.hex()) for p, s in secrets_.items())))
    record = published(runtime, "B-MP")
    assert record["entropy"]["kind"] == "multiparty" and len(record["party_commitments"]) == 2
    assert run_tool(record, tmp_path).returncode == 0
    with runtime.engine.connect() as conn:
        assert services.verify_batch(conn, "B-MP") == []
    late = copy.deepcopy(record)
    late["party_commitments"][0]["at"] = "2999-01-01T00:00:00+00:00"
    done = run_tool(late, tmp_path)
    assert done.returncode == 1 and "committed after the freeze" in done.stdout
    assert any("after the freeze" in p for p in verify_record(late))
    swapped = copy.deepcopy(record)
    swapped["entropy"]["parties"][0]["secret"] = "00" * 32
    done = run_tool(swapped, tmp_path)
    assert done.returncode == 1 and "does not match its commitment" in done.stdout
