"""Classification command handlers: record an officer's decision, train / evaluate / promote a model."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from smartcustoms.capabilities.classification import db
from smartcustoms.capabilities.classification.artefacts import Artefact, ModelStore
from smartcustoms.capabilities.classification.commands import GoodsText, RecordDecision
from smartcustoms.capabilities.classification.domain import (
    MAX_BATCH,
    MAX_TEXT,
    Correction,
    code_errors,
    decision_kind,
)
from smartcustoms.capabilities.classification.events import ClassificationDecided, ModelPromoted
from smartcustoms.kernel.errors import FieldError, PermissionDenied, collect
from smartcustoms.ml.hs_text.data import load_hscodecomp
from smartcustoms.ml.hs_text.evaluation import ZH_CHECK, calibration, topk_accuracy
from smartcustoms.ml.hs_text.model import HSTextClassifier
from smartcustoms.ml.hs_text.text import compose
from smartcustoms.ml.hs_text.training import train
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal, Role

DECIDERS = (Role.RISK_OFFICER, Role.SECTION_CHIEF, Role.INSPECTOR, Role.ADMIN)
"""Customs officers who may confirm or correct a code; every logged-in user may ask for suggestions."""
GATE_METRICS = ("hscodecomp_848590.chapter_top1", "hscodecomp_848590.heading_top3", "hscodecomp_all.chapter_top1",
                "hscodecomp_all.heading_top3", "zh_check.subheading_top1")
TOLERANCE = 0.005
"""A new model replaces the current one only if no gate metric drops by more than this (noise on ~100 items)."""


def check_goods(items: Sequence[GoodsText], prefix: str = "") -> None:
    """Field errors for a single item (fields 'name', …) or a batch (prefix 'items': 'items.3.name')."""
    errors: list[FieldError] = []
    if not items:
        errors.append(FieldError(prefix or "items", "field.required"))
    if len(items) > MAX_BATCH:
        errors.append(FieldError(prefix or "items", "classification.batch_too_large", {"max": MAX_BATCH}))
    for i, item in enumerate(items[:MAX_BATCH]):
        where = f"{prefix}.{i}." if prefix else ""
        if not item.name or not item.name.strip():
            errors.append(FieldError(f"{where}name", "field.required"))
        for fname in ("name", "spec", "brand", "use", "material"):
            if len(getattr(item, fname) or "") > MAX_TEXT:
                errors.append(FieldError(f"{where}{fname}", "field.too_long", {"max": MAX_TEXT}))
    collect(errors)


def access_decide(who: Principal) -> None:
    if not who.has(*DECIDERS):
        raise PermissionDenied("error.forbidden")


def check_decision(cmd: RecordDecision) -> None:
    errors = []
    if not cmd.name.strip():
        errors.append(FieldError("name", "field.required"))
    if len(cmd.name) > MAX_TEXT:
        errors.append(FieldError("name", "field.too_long", {"max": MAX_TEXT}))
    if len(cmd.spec) > MAX_TEXT:
        errors.append(FieldError("spec", "field.too_long", {"max": MAX_TEXT}))
    errors += code_errors("confirmed_code", cmd.confirmed_code, required=True)
    errors += code_errors("predicted_code", cmd.predicted_code, required=False)
    collect(errors)


def _digits(code: str | None) -> str | None:
    return "".join(ch for ch in code if ch.isdigit()) if code else None


def do_record_decision(runtime: Any, who: Principal, cmd: RecordDecision) -> Correction:
    """Store an officer's confirmation or correction as a labelled example, with its audit entry."""
    access_decide(who)
    check_decision(cmd)
    confirmed, predicted = _digits(cmd.confirmed_code) or "", _digits(cmd.predicted_code)
    with runtime.uow(actor_of(who)) as uow:
        correction = Correction(str(uuid.uuid4()), cmd.name.strip()[:MAX_TEXT], cmd.spec.strip(), predicted,
                                confirmed, decision_kind(predicted, confirmed), who.user_id, who.username, uow.now,
                                cmd.note.strip()[:2000])
        db.add(uow.conn, correction)
        uow.record(f"classification.{correction.kind}", "hs_correction", correction.id,
                   after={"name": correction.name, "spec": correction.spec, "predicted_code": predicted,
                          "confirmed_code": confirmed})
        uow.emit(ClassificationDecided(correction.id, correction.kind, predicted, confirmed))
        uow.commit()
    return correction


# --- training and evaluation ----------------------------------------------------------------------------------
def evaluation_sets(shared_dir: Path) -> dict[str, tuple[list[str], list[str]]]:
    """name → (texts, gold 6-digit codes). HSCodeComp queries use product_name + product_attributes only."""
    sets = {"zh_check": ([t for t, _ in ZH_CHECK], [c for _, c in ZH_CHECK])}
    path = shared_dir / "data" / "hs" / "hscodecomp" / "test_data.jsonl"
    if not path.is_file():  # a deployment without the benchmark file still trains and gates on the rest
        return sets
    items = load_hscodecomp(path)
    texts = [compose(i.name, i.spec, i.brand, i.use, i.material)[0] for i in items]
    gold = [i.code for i in items]
    sub = [j for j, g in enumerate(gold) if g[:2] in ("84", "85", "90")]
    return {"hscodecomp_all": (texts, gold),
            "hscodecomp_848590": ([texts[j] for j in sub], [gold[j] for j in sub]), **sets}


def evaluate(model: Any, sets: dict[str, tuple[list[str], list[str]]]) -> dict[str, dict[str, float]]:
    """Top-k accuracies per level and, for our classifier, the calibration of its top-1 confidence."""
    out = {name: topk_accuracy(gold, model.rank(texts, 3)) for name, (texts, gold) in sets.items()}
    if isinstance(model, HSTextClassifier):
        for name, (texts, gold) in sets.items():
            preds = model.suggest(texts, 1, explain=False)
            top = [(p.suggestions[0].code, p.suggestions[0].confidence) if p.suggestions else ("", 0.0)
                   for p in preds]
            cal = calibration(gold, [c for c, _ in top], [p for _, p in top])
            out[name].update({f"top1_{k}": v for k, v in cal.items()})
    return out


def not_worse(new: dict[str, dict[str, float]], old: dict[str, dict[str, float]]) -> tuple[bool, list[str]]:
    lines, ok = [], True
    for key in GATE_METRICS:
        set_name, metric = key.split(".")
        n, o = new.get(set_name, {}).get(metric), old.get(set_name, {}).get(metric)
        if n is None or o is None:
            continue
        worse = n < o - TOLERANCE
        ok = ok and not worse
        lines.append(f"{key:40s} current {100 * o:5.1f}  new {100 * n:5.1f}  {'WORSE' if worse else 'ok'}")
    return ok, lines


def train_and_maybe_promote(runtime: Any, *, limit: int | None = None, force: bool = False, quiet: bool = False,
                            echo: Callable[[str], None] = print, actor: Actor | None = None,
                            ) -> tuple[Artefact, bool, HSTextClassifier]:
    """Train on all sources + every officer decision, evaluate, save a versioned artefact and make it current
    unless it is worse than the current one on the evaluation sets."""
    say = (lambda _s: None) if quiet else echo
    with runtime.engine.connect() as conn:
        corrections = db.all_examples(conn)
    shared = runtime.settings.shared_dir
    say(f"training on {shared} (+{len(corrections)} officer decisions) ...")
    model, card = train(shared, corrections, limit=limit)
    say(f"trained in {card['training_seconds']} s; evaluating ...")
    card["metrics"] = evaluate(model, evaluation_sets(shared))
    card["created_at"] = runtime.clock.now().isoformat()
    card["n_officer_decisions"] = len(corrections)
    store = ModelStore(runtime.settings.data_dir)
    artefact = store.save(store.new_version(runtime.clock.now()), model, card)
    current = store.current()
    promote, lines = True, list[str]()
    if current is not None:
        better_or_equal, lines = not_worse(card["metrics"], current.card.get("metrics", {}))
        promote = better_or_equal or force
    for line in lines:
        say(line)
    if promote:
        store.promote(artefact.version, model)
        with runtime.uow(actor or Actor.system("classification")) as uow:
            uow.record("classification.model_promoted", "hs_model", artefact.version,
                       before={"version": current.version} if current else None,
                       after={"version": artefact.version, "metrics": card["metrics"]})
            uow.emit(ModelPromoted(artefact.version))
            uow.commit()
    say(f"model {artefact.version}: {'now current' if promote else 'kept aside (worse than current)'}"
        + (" (forced)" if force and promote and lines and any("WORSE" in line for line in lines) else ""))
    return artefact, promote, model


def install_model(runtime: Any, model: HSTextClassifier, card: dict[str, Any] | None = None, *,
                  persist: bool = True) -> str:
    """Make an already fitted model current (imports; tests use persist=False to skip writing it)."""
    store = ModelStore(runtime.settings.data_dir)
    version = store.new_version(runtime.clock.now())
    if persist:
        store.save(version, model, card or {})
        store.promote(version, model)
    else:
        store.install(version, model, card or {})
    return version
