"""Declarations submitted by an enterprise are queued (pending), a batch closes, the draw decides, and the
decisions reach the declarations through the lifecycle port — released or inspection ordered with the drawn
officer recorded; the record re-derives with the standalone verifier."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from smartcustoms.capabilities.declarations import db as ddb
from smartcustoms.capabilities.declarations import services as dservices
from smartcustoms.capabilities.declarations.ports import DIRECTORY
from smartcustoms.capabilities.risk import batching, db, services
from smartcustoms.capabilities.risk.commands import RevealBatch
from smartcustoms.platform.audit import trail
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.outbox import outbox
from tests.unit.declarations.factories import BAD, TRADER, FakeDirectory, submission

ROOT = Path(__file__).resolve().parents[3]
TRADER_USER = Principal("u-trader", "trader", "trader", frozenset({Role.ENTERPRISE_USER}), enterprise_id=TRADER.id)
BAD_USER = Principal("u-bad", "bad", "bad", frozenset({Role.ENTERPRISE_USER}), enterprise_id=BAD.id)


@pytest.fixture
def officers(runtime: Any, make_user: Any) -> list[str]:
    runtime.ports[DIRECTORY] = FakeDirectory()
    return [make_user("inspector", org_unit="3104S01").user_id for _ in range(3)] + [
        make_user("section_chief", org_unit="3104").user_id]


def submit(runtime: Any, start: int, n: int, who: Principal = TRADER_USER, trader: Any = TRADER) -> list[str]:
    outcomes = dservices.do_submit_batch(runtime, who, [submission(start + i, trader=trader) for i in range(n)])
    assert all(o.result == "created" for o in outcomes), outcomes
    return [o.declaration.id for o in outcomes if o.declaration]


def statuses(runtime: Any, ids: list[str]) -> dict[str, str]:
    with runtime.engine.connect() as conn:
        t = ddb.declarations
        return dict(conn.execute(select(t.c.id, t.c.status).where(t.c.id.in_(ids))).all())  # type: ignore[arg-type]


def test_submitted_declarations_wait_in_the_queue_then_the_batch_decides(runtime: Any, officers: list[str],
                                                                          tmp_path: Path) -> None:
    ids = submit(runtime, 1, 24) + submit(runtime, 100, 6, BAD_USER, BAD)
    assert set(statuses(runtime, ids).values()) == {"accepted"}
    with runtime.engine.connect() as conn:
        assert db.queue_stats(conn)["3104"][0] == 30
        accept = [e for e in trail(conn, "declaration", ids[0]) if e["action"] == "declarations.accept"][0]
        assert accept["after"]["screening"] == "pending"
    config = batching.BatchConfig(size=30)
    assert batching.due_sites(runtime, config) == ["3104"]
    [result] = batching.close_due(runtime, config, simulated_entropy=True)
    assert result["status"] == "drawn" and result["declarations"] == 30
    batch_id = result["batch_id"]
    with runtime.engine.connect() as conn:
        assert db.queue_stats(conn) == {}
        assert db.open_batch_of(conn, "3104") is not None  # the next batch's seed is already committed
        decisions = {d["declaration_id"]: d for d in db.load_decisions(conn, batch_id)}
    runtime.relay.drain()
    final = statuses(runtime, ids)
    assert set(final.values()) <= {"released", "inspection_ordered"}
    selected = {i for i, d in decisions.items() if d["selected"]}
    assert selected and {i for i in ids if final[i] == "inspection_ordered"} == selected
    assert len([i for i in ids[24:] if i in selected]) >= 3  # dishonest: inspected at the 0.85 floor
    with runtime.engine.connect() as conn:
        for i in selected:
            entries = {e["action"]: e for e in trail(conn, "declaration", i)}
            details = entries["declarations.screening_details"]["after"]
            assert details["officer_id"] == decisions[i]["officer_id"] and details["batch_id"] == batch_id
            # one task per enterprise and officer in a batch (conflict exclusion): the rest await a chief's hand
            assert details["officer_id"] in [*officers[:3], None]
            assert entries["declarations.order_inspection"]["after"]["automatic"] is True
        assigned = [i for i in selected if decisions[i]["officer_id"]]
        assert len(assigned) >= 3
        officer = Principal("o", "o", "o", frozenset({Role.INSPECTOR}))
        d = dservices.access_declaration(conn, officer, sorted(assigned)[0])
        assert any(r.rule == "dispatch" for r in d.lifecycle.reasons)
        assert services.verify_batch(conn, batch_id) == []
    # redelivery changes nothing
    with runtime.engine.begin() as conn:
        conn.execute(outbox.update().values(published_at=None))
    runtime.relay.drain()
    assert statuses(runtime, ids) == final
    # the auditor's record, verified by the standalone script in an isolated interpreter
    services.do_reveal(runtime, batching.SYSTEM, RevealBatch(batch_id))
    auditor = Principal("a", "aud", "aud", frozenset({Role.AUDITOR}))
    record = services.access_record(runtime, auditor, batch_id)
    assert record["entropy"]["parties"][0]["party"].startswith("SIMULATED")
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, default=str), encoding="utf-8")
    out = subprocess.run([sys.executable, "-I", str(ROOT / "tools" / "verify_randomness.py"), str(path),
                          "--root", record["batch_root"], "--commit", record["commit"]],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "outcomes re-derived" in out.stdout


def test_batches_close_only_when_due(runtime: Any, officers: list[str], clock: Any) -> None:
    submit(runtime, 1, 3)
    config = batching.BatchConfig(size=10, seconds=60)
    assert batching.close_due(runtime, config) == []
    clock.advance(seconds=61)
    [result] = batching.close_due(runtime, config)
    assert result["status"] == "frozen"  # operators enter the dice on the console


def test_the_batch_worker_command(runtime: Any, officers: list[str], monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from smartcustoms.cli.main import app

    submit(runtime, 1, 2)
    monkeypatch.setenv("SMARTCUSTOMS_DATABASE_URL", runtime.settings.effective_database_url)
    monkeypatch.setenv("SMARTCUSTOMS_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("SMARTCUSTOMS_MQTT_URL", "")
    monkeypatch.setenv("SMARTCUSTOMS_RISK_BATCH_SIZE", "2")
    out = CliRunner().invoke(app, ["worker", "risk-batches", "--once"])
    assert out.exit_code == 0, out.output
    assert "frozen: 2 declarations" in out.output
