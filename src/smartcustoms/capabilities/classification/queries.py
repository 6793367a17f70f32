"""Read side of classification, for pages, the API and other capabilities (declarations: suggestions while
typing, the disagreement warning and its risk feature).

    suggest(runtime_or_model, name, spec="", k=3, *, brand="", use="", material="", explain=True)
        -> SuggestionResult
    disagreement(runtime_or_model, name, spec, declared_code, *, threshold=0.6) -> Disagreement | None

`runtime_or_model` is the Runtime (the current model artefact is loaded, or trained on first use) or a fitted
HSTextClassifier. Neither call raises on odd text: empty, garbage or unsupported scripts come back with no or
low-confidence suggestions and `needs_detail=True`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from smartcustoms.capabilities.classification import db
from smartcustoms.capabilities.classification.artefacts import ModelStore
from smartcustoms.capabilities.classification.commands import GoodsText
from smartcustoms.capabilities.classification.domain import Correction
from smartcustoms.ml.hs_text.model import HSTextClassifier, Prediction
from smartcustoms.ml.hs_text.text import compose

log = logging.getLogger(__name__)
_TRAIN_LOCK = threading.Lock()


@dataclass(frozen=True)
class SuggestionView:
    code: str
    confidence: float
    chapter: str
    chapter_confidence: float
    heading: str
    heading_confidence: float
    description: str
    heading_description: str
    chapter_description: str
    evidence: list[tuple[str, float]]


@dataclass(frozen=True)
class SuggestionResult:
    text: str
    suggestions: list[SuggestionView]
    needs_detail: bool
    reasons: list[str]
    neighbours: list[dict[str, Any]] = field(default_factory=list)
    model_version: str = ""

    @property
    def top(self) -> SuggestionView | None:
        return self.suggestions[0] if self.suggestions else None


@dataclass(frozen=True)
class Disagreement:
    """The declared code differs from a confident prediction (a risk-screening feature)."""

    declared_code: str
    predicted_code: str
    confidence: float
    level: str
    """'chapter' when even the chapter differs, else 'heading' or 'subheading'."""


def model_ready(runtime: Any) -> bool:
    """True when a model is current, so a suggestion will not have to train one first (callers on a schedule,
    such as risk's batch screening, check this before asking)."""
    return ModelStore(runtime.settings.data_dir).load() is not None


def model_for(runtime_or_model: Any) -> tuple[str, HSTextClassifier]:
    if isinstance(runtime_or_model, HSTextClassifier):
        return "in-memory", runtime_or_model
    runtime = runtime_or_model
    store = ModelStore(runtime.settings.data_dir)
    loaded = store.load()
    if loaded is not None:
        return loaded
    with _TRAIN_LOCK:  # first use on a fresh machine: train once, then serve from the store
        loaded = store.load()
        if loaded is None:
            from smartcustoms.capabilities.classification.services import train_and_maybe_promote

            log.warning("no HS classification model in %s: training one now (about a minute)", store.root)
            train_and_maybe_promote(runtime, quiet=True)
            loaded = store.load()
    if loaded is None:
        raise RuntimeError("HS classification model could not be trained")
    return loaded


def _view(p: Prediction, version: str) -> SuggestionResult:
    return SuggestionResult(
        p.text,
        [SuggestionView(s.code, round(s.confidence, 4), s.chapter, round(s.chapter_confidence, 4), s.heading,
                        round(s.heading_confidence, 4), s.description, s.heading_description,
                        s.chapter_description, list(s.evidence)) for s in p.suggestions],
        p.needs_detail, list(p.reasons),
        [{"text": n.text, "code": n.code, "similarity": round(n.similarity, 3)} for n in p.neighbours], version)


def suggest_many(runtime_or_model: Any, items: Sequence[GoodsText], k: int = 3, *,
                 explain: bool = True) -> list[SuggestionResult]:
    version, model = model_for(runtime_or_model)
    composed = [compose(i.name, i.spec, i.brand, i.use, i.material) for i in items]
    preds = model.suggest([c[0] for c in composed], k, explain=explain, truncated=[c[1] for c in composed])
    return [_view(p, version) for p in preds]


def suggest(runtime_or_model: Any, name: str, spec: str = "", k: int = 3, *, brand: str = "", use: str = "",
            material: str = "", explain: bool = True) -> SuggestionResult:
    """Top-k HS suggestions for one goods item (fast: a few milliseconds on a warm model)."""
    return suggest_many(runtime_or_model, [GoodsText(name, spec, brand, use, material)], k, explain=explain)[0]


def disagreement(runtime_or_model: Any, name: str, spec: str, declared_code: str, *,
                 threshold: float = 0.6) -> Disagreement | None:
    """A Disagreement when the model is at least `threshold` confident of a different subheading."""
    result = suggest(runtime_or_model, name, spec, k=1, explain=False)
    top = result.top
    declared = "".join(ch for ch in declared_code if ch.isdigit())
    if top is None or result.needs_detail or len(declared) < 6 or top.confidence < threshold:
        return None
    if declared[:6] == top.code:
        return None
    level = "chapter" if declared[:2] != top.chapter else "heading" if declared[:4] != top.heading else "subheading"
    return Disagreement(declared[:10], top.code, top.confidence, level)


def recent_decisions(runtime: Any, limit: int = 20) -> list[Correction]:
    with runtime.engine.connect() as conn:
        return db.recent(conn, limit)


def lookup(runtime_or_model: Any, text: str, limit: int = 10) -> list[tuple[str, str]]:
    """Codes whose nomenclature text matches the words of `text` (code look-up on the workbench)."""
    _version, model = model_for(runtime_or_model)
    words = [w for w in text.lower().split() if w]
    if not words:
        return []
    out = []
    for code, desc in sorted((model.descriptions or {}).items()):
        low = desc.lower()
        if code.startswith(text.strip()) or all(w in low for w in words):
            out.append((code, desc))
            if len(out) >= limit:
                break
    return out
