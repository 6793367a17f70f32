"""The baseline rule set (基础布控规则) for `make run`: what the platform's default screener checked before risk
took over screening — arms and antiques always inspected, banned solid waste, unit values far below the
history — now as versioned, active risk rules a risk officer can see, dry-run, edit and retire. Idempotent:
a rule id that exists already is left as it is. It also makes sure a risk model exists (`ensure_model`), so that
the demo's decisions carry a score and its top reasons."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smartcustoms.capabilities.risk import db, rule_services, scoring
from smartcustoms.capabilities.risk.batching import SYSTEM
from smartcustoms.platform.runtime import Runtime

BASELINE_RULES: tuple[dict[str, Any], ...] = (
    {"id": "ARMS_93", "when": {"item": {"hs": ["93"]}}, "channel": "manual", "effective_from": "2020-01-01",
     "reason": {"zh-CN": "第93章 武器、弹药:100% 人工查验", "en": "Chapter 93 arms and ammunition: always inspected"}},
    {"id": "ANTIQUES_97", "when": {"item": {"hs": ["97"]}}, "channel": "manual", "effective_from": "2020-01-01",
     "reason": {"zh-CN": "第97章 艺术品、收藏品及古物:人工查验",
                "en": "Chapter 97 works of art and antiques: manual inspection"}},
    {"id": "SOLID_WASTE", "when": {"item": {"hs": ["3915", "4707", "7204", "7404", "7602"]}},
     "channel": "machine_and_manual", "effective_from": "2021-01-01",
     "reason": {"zh-CN": "固体废物(禁止进口):机检加人工查验",
                "en": "Solid waste (import banned): machine and manual inspection"}},
    {"id": "UNIT_VALUE_LOW", "when": {"item": {"unit_value": {"op": "lt", "z": -2.5, "min_count": 20}}},
     "channel": "document_review", "score": "0.4", "effective_from": "2020-01-01",
     "reason": {"zh-CN": "申报单价显著低于同税号同原产地历史水平", "en": "Unit value far below the history of the "
                "same HS subheading and origin"}},
    {"id": "HS_DISAGREEMENT", "channel": "document_review", "score": "0.3", "effective_from": "2020-01-01",
     "when": {"item": {"field": "hs_disagreement", "op": "in", "value": ["chapter", "heading"]}},
     "reason": {"zh-CN": "申报商品编码与智能归类建议在章或品目层级不一致", "en": "The declared commodity code "
                "disagrees with a confident HS classification at chapter or heading level"}},
)


DEMO_MODEL = {"rows": 4000, "months": 6, "seed": 7, "test_months": 1, "n_estimators": 60}
"""A small model on a small synthetic trade set: about a second to train (`smartcustoms risk train` for the
full one)."""


def ensure_model(data_dir: Path) -> Path:
    """The current risk model artefact; a small one is trained first when there is none."""
    from smartcustoms.capabilities.risk.evaluation import train_and_save

    current = scoring.current_artefact(data_dir)
    if current is not None:
        return current
    folder, _card = train_and_save(scoring.models_root(data_dir), trained_at=datetime.now(UTC).isoformat(
        timespec="seconds"), **DEMO_MODEL)
    return folder


def load_demo(runtime: Runtime) -> None:
    ensure_model(Path(runtime.settings.data_dir))
    with runtime.engine.connect() as conn:
        present = {rule["id"] for rule in BASELINE_RULES if db.rule_versions(conn, rule["id"])}
    for definition in BASELINE_RULES:
        if definition["id"] in present:
            continue
        created = rule_services.do_create_rule_version(runtime, SYSTEM, definition)
        rule_services.do_activate_rule(runtime, SYSTEM, created["rule_id"], created["version"])
