"""`DeclarationScorer`: a tiny trained model scores real-shaped declaration dicts deterministically; unknown ids
fall into the unseen bucket instead of crashing; no artefact → `NoModel`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from smartcustoms.capabilities.risk import scoring
from smartcustoms.capabilities.risk.domain.selection import Candidate
from smartcustoms.capabilities.risk.evaluation import train_and_save
from smartcustoms.capabilities.risk.messages import MESSAGES
from smartcustoms.capabilities.risk.screening import NoModel
from smartcustoms.ml.risk.features import FEATURES

TINY = {"rows": 2000, "months": 4, "seed": 3, "test_months": 1, "n_estimators": 20}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scorer")
    train_and_save(scoring.models_root(root), trained_at="2026-01-01T00:00:00+00:00", **TINY)
    return root


def declaration(n: int, **over: Any) -> dict[str, Any]:
    body = {"id": f"d{n}", "number": f"31042026{n:010d}", "enterprise_id": "e-trader", "agent_id": "e-agent",
            "customs_code": "3104", "trade_country": "VN", "departure_country": "VN", "origin": "CN",
            "currency": "USD", "total_value": "1200.00", "gross_weight": "350.0", "containerised": True,
            "grade": "general", "manifest_flags": [],
            "items": [{"seq": 1, "hs_code": "8471300000", "name": "笔记本电脑", "spec": "", "origin": "CN",
                       "quantity": str(10 + n), "unit": "台", "unit_price": "100", "value": "1000.00",
                       "currency": "USD"},
                      {"seq": 2, "hs_code": "6109100000", "name": "T恤", "spec": "", "origin": "VN",
                       "quantity": "50", "unit": "件", "unit_price": "4", "value": "200.00", "currency": "USD"}]}
    return {**body, **over}


def test_scores_real_shaped_declarations_with_labelled_reasons(data_dir: Path) -> None:
    scorer = scoring.scorer_for(data_dir)
    assert isinstance(scorer, scoring.DeclarationScorer) and scorer.model_version.startswith("risk-")
    results = scorer.score([declaration(i) for i in range(5)])
    assert len(results) == 5
    for score, reasons in results:
        assert 0.0 < score <= 1.0
        assert reasons and all(name in FEATURES for name, _ in reasons)
        assert all(f"risk.feature.{name}" in MESSAGES for name, _ in reasons)
    assert scorer.score([]) == []


def test_same_input_same_score_and_the_scorer_is_cached(data_dir: Path) -> None:
    batch = [declaration(i) for i in range(3)]
    first = scoring.scorer_for(data_dir).score(batch)
    assert scoring.scorer_for(data_dir) is scoring.scorer_for(data_dir)
    assert scoring.DeclarationScorer.load(scoring.current_artefact(data_dir)).score(batch) == first  # type: ignore[arg-type]
    assert scoring.scorer_for(data_dir).score(list(reversed(batch))) == list(reversed(first))


def test_unknown_ids_codes_and_missing_fields_do_not_crash(data_dir: Path) -> None:
    scorer = scoring.scorer_for(data_dir)
    odd = [declaration(1, enterprise_id="never-seen", agent_id=None, origin="ZZ", grade="seriously_dishonest",
                       items=[{"hs_code": "99", "origin": "", "quantity": "abc", "value": None}]),
           {"id": "bare"}, declaration(2, items=[], gross_weight="")]
    results = scorer.score(odd)
    assert len(results) == 3 and all(0.0 <= s <= 1.0 and reasons for s, reasons in results)


def test_encoders_are_saved_with_the_artefact(data_dir: Path) -> None:
    folder = scoring.current_artefact(data_dir)
    assert folder is not None and (folder / scoring.ENCODERS).exists()
    enc = scoring.load_encoders(folder)
    assert enc["country"]["CN"] == scoring.SYNTHETIC_COUNTRIES.index("CN") + 1 and enc["hs6"]
    assert enc["importer"] == {}  # synthetic traders are not platform enterprises


def test_explain_reason_carries_both_languages() -> None:
    c = Candidate(id="d1", enterprise="e", grade="general", score="0.412345", site="3104", stratum="84",
                  model_version="risk-abc", explain=(("uv_z_hs", "0.5"), ("importer_rate", "0.2")))
    [reason] = scoring.explain_reasons(c)
    assert reason["key"] == "risk.reason.model_explain" and reason["params"]["score"] == "0.412345"
    assert "importer: past offence rate" in reason["params"]["features_en"].lower()
    assert "单价偏离同税号历史" in reason["params"]["features_zh"]
    assert scoring.explain_reasons(Candidate(id="d", enterprise="e", grade="general", score="0.000000",
                                             site="3104", stratum="")) == []


def test_no_artefact_means_no_model(tmp_path: Path) -> None:
    assert isinstance(scoring.scorer_for(tmp_path), NoModel)


def test_a_batch_of_a_thousand_scores_fast(data_dir: Path) -> None:
    scorer = scoring.scorer_for(data_dir)
    started = time.perf_counter()
    scorer.score([declaration(i) for i in range(1000)])
    assert time.perf_counter() - started < 5.0
