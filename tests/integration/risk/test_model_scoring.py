"""With a trained model (tiny, trained here) a closed batch screens with it: every decision stores a non-zero
score and the model's top reasons, which reach the declaration's page with the dispatch; the risk demo leaves a
current model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smartcustoms.capabilities.declarations import services as dservices
from smartcustoms.capabilities.risk import batching, db, scoring
from smartcustoms.capabilities.risk.demo import ensure_model, load_demo
from smartcustoms.capabilities.risk.evaluation import train_and_save
from smartcustoms.platform.identity.model import Principal, Role
from tests.integration.risk.test_live_screening import officers, submit  # noqa: F401

TINY = {"rows": 2000, "months": 4, "seed": 3, "test_months": 1, "n_estimators": 20}


def test_a_batch_closed_with_a_model_stores_scores_and_reasons(runtime: Any, officers: list[str]) -> None:  # noqa: F811
    data_dir = Path(runtime.settings.data_dir)
    train_and_save(scoring.models_root(data_dir), trained_at="2026-01-01T00:00:00+00:00", **TINY)
    version = scoring.current_artefact(data_dir).name  # type: ignore[union-attr]
    ids = submit(runtime, 1, 12)
    [result] = batching.close_due(runtime, batching.BatchConfig(size=12), simulated_entropy=True)
    assert result["status"] == "drawn"
    with runtime.engine.connect() as conn:
        decisions = db.load_decisions(conn, result["batch_id"])
    assert {d["declaration_id"] for d in decisions} == set(ids)
    for d in decisions:
        assert float(d["score"]) > 0
        [explain] = [r for r in d["reasons"] if r["key"] == "risk.reason.model_explain"]
        assert explain["params"]["model"] == version and explain["params"]["features"]
    runtime.relay.drain()
    officer = Principal("o", "o", "o", frozenset({Role.INSPECTOR}))
    with runtime.engine.connect() as conn:
        for i in ids:
            decl = dservices.access_declaration(conn, officer, i)
            assert any(r.rule == "model_explain" for r in decl.lifecycle.reasons)


def test_without_a_model_the_decisions_carry_no_model_reason(runtime: Any, officers: list[str]) -> None:  # noqa: F811
    submit(runtime, 1, 3)
    [result] = batching.close_due(runtime, batching.BatchConfig(size=3), simulated_entropy=True)
    with runtime.engine.connect() as conn:
        decisions = db.load_decisions(conn, result["batch_id"])
    assert all(r["key"] != "risk.reason.model_explain" for d in decisions for r in d["reasons"])


def test_the_risk_demo_leaves_a_current_model(runtime: Any) -> None:
    data_dir = Path(runtime.settings.data_dir)
    assert scoring.current_artefact(data_dir) is None
    load_demo(runtime)
    folder = scoring.current_artefact(data_dir)
    assert folder is not None and (folder / scoring.ENCODERS).exists()
    assert ensure_model(data_dir) == folder  # not trained again
    assert isinstance(scoring.scorer_for(data_dir), scoring.DeclarationScorer)
