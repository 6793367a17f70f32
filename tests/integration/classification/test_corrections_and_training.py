"""Officer decisions are stored with an audit entry and become training examples; models are versioned
artefacts that replace the current one only when not worse."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from smartcustoms.capabilities.classification import queries, services
from smartcustoms.capabilities.classification.artefacts import ModelStore
from smartcustoms.capabilities.classification.commands import RecordDecision
from smartcustoms.capabilities.classification.db import corrections
from smartcustoms.kernel.errors import PermissionDenied, ValidationFailed
from smartcustoms.platform.audit import audit_log
from smartcustoms.platform.identity.model import Principal, Role

OFFICER = Principal("u-officer", "li.officer", "李关员", frozenset({Role.INSPECTOR}), org_unit="3104")
ENTERPRISE = Principal("u-ent", "acme", "ACME", frozenset({Role.ENTERPRISE_USER}), enterprise_id="e1")


def test_a_correction_is_stored_with_its_audit_entry(runtime: Any) -> None:
    c = services.do_record_decision(runtime, OFFICER, RecordDecision("电动滑板车", "36V 350W", "8711.60.9000",
                                                                     "950300"))
    assert c.kind == "correct" and c.confirmed_code == "8711609000"
    with runtime.engine.connect() as conn:
        row = conn.execute(select(corrections)).one()
        entry = conn.execute(select(audit_log).where(audit_log.c.subject_id == c.id)).one()
    assert row.officer_name == "li.officer" and row.created_at == runtime.clock.now()
    assert entry.action == "classification.correct" and entry.after["confirmed_code"] == "8711609000"
    confirm = services.do_record_decision(runtime, OFFICER, RecordDecision("笔记本电脑", "", "847130", "847130"))
    assert confirm.kind == "confirm"
    assert sorted(d.kind for d in queries.recent_decisions(runtime)) == ["confirm", "correct"]


def test_enterprise_users_cannot_decide_and_bad_codes_are_field_errors(runtime: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.do_record_decision(runtime, ENTERPRISE, RecordDecision("手机", "", "851713"))
    with pytest.raises(ValidationFailed) as info:
        services.do_record_decision(runtime, OFFICER, RecordDecision("", "", "12ab", "9"))
    assert {e.field for e in info.value.errors} == {"name", "confirmed_code", "predicted_code"}
    with runtime.engine.connect() as conn:
        assert conn.execute(select(corrections)).all() == []


def test_suggest_query_and_disagreement(runtime: Any, installed: Any) -> None:
    r = queries.suggest(runtime, "笔记本电脑", "联想 14英寸")
    assert r.top is not None and r.top.code == "847130" and r.model_version.startswith("hs-")
    assert queries.suggest(installed, "", "").needs_detail
    d = queries.disagreement(installed, "笔记本电脑", "联想", "8473300000", threshold=0.0)
    assert d is not None and d.predicted_code == "847130" and d.level == "heading"
    far = queries.disagreement(installed, "笔记本电脑", "联想", "8517130000", threshold=0.0)
    assert far is not None and far.level == "chapter"
    assert queries.disagreement(installed, "笔记本电脑", "联想", "8471300000", threshold=0.0) is None
    assert runtime.port("classification.suggest")("手机").top.code == "851713"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_corrections_are_used_by_the_next_training_and_a_worse_model_is_kept_aside(runtime: Any,
                                                                                    small_model: Any) -> None:
    services.do_record_decision(runtime, OFFICER, RecordDecision("量子纠缠演示仪", "教学用", "902300"))
    perfect = {name: {f"{lvl}_top{k}": 1.0 for lvl in ("chapter", "heading", "subheading") for k in (1, 3)}
               for name in ("hscodecomp_all", "hscodecomp_848590", "zh_check")}
    current = services.install_model(runtime, small_model, {"metrics": perfect}, persist=False)
    messages: list[str] = []
    new, promoted, model = services.train_and_maybe_promote(runtime, limit=800, echo=messages.append)
    assert new.card["data_sources"]["correction"] == 1
    assert model.predict(["量子纠缠演示仪 教学用"])[0] == "902300"
    assert not promoted and any("WORSE" in m for m in messages)
    store = ModelStore(runtime.settings.data_dir)
    loaded_now = store.load()
    assert loaded_now is not None and loaded_now[0] == current
    assert (new.path / "card.md").read_text().startswith("# HS text classifier")
    assert (new.path / "model.joblib").is_file()
    assert {"hscodecomp_all", "hscodecomp_848590", "zh_check"} <= set(new.card["metrics"])
    # forced (or better) models become current and are loaded from disk by a fresh store
    store.promote(new.version)
    loaded = ModelStore(runtime.settings.data_dir).load()
    assert loaded is not None and loaded[0] == new.version


def test_gate_compares_every_metric() -> None:
    old = {"hscodecomp_848590": {"chapter_top1": 0.70, "heading_top3": 0.55}}
    ok, lines = services.not_worse({"hscodecomp_848590": {"chapter_top1": 0.702, "heading_top3": 0.548}}, old)
    assert ok and len(lines) == 2
    ok, lines = services.not_worse({"hscodecomp_848590": {"chapter_top1": 0.69, "heading_top3": 0.60}}, old)
    assert not ok and "WORSE" in lines[0]
