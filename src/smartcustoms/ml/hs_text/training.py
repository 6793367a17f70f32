"""Build the classifier from the training corpus (训练) and describe it in a model card."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from smartcustoms.ml.hs_text.data import training_corpus, vague_terms
from smartcustoms.ml.hs_text.model import HSTextClassifier

CALIBRATION_SOURCES = ("hmrc_search", "hmrc_extra")
"""Temperatures are fitted on held-out real product terms and parcel descriptions, not on nomenclature rows."""


def train(shared_dir: Path, corrections: Iterable[tuple[str, str]] = (), *, limit: int | None = None,
          random_state: int = 0, **params: Any) -> tuple[HSTextClassifier, dict[str, Any]]:
    """Fit on the nomenclature, HMRC references, seed, synthetic and correction examples. `limit` keeps a
    small deterministic subset (every n-th example, corrections and seeds always kept) for tests."""
    started = time.perf_counter()
    examples, nom, counts = training_corpus(shared_dir, list(corrections))
    if limit is not None and len(examples) > limit:
        always = [e for e in examples if e.source in ("correction", "seed")]
        rest = [e for e in examples if e.source not in ("correction", "seed")]
        step = max(1, len(rest) // max(1, limit - len(always)))
        examples = always + rest[::step]
        counts = {}
        for ex in examples:
            counts[ex.source] = counts.get(ex.source, 0) + 1
    vague = vague_terms(shared_dir / "data" / "hs" / "uk_fpo_reference")
    if limit is not None:
        vague = vague[:: max(1, len(vague) // 300)]
    model = HSTextClassifier(descriptions=dict(nom.descriptions), random_state=random_state, **params)
    model.fit([e.text for e in examples], [e.code for e in examples], [e.weight for e in examples],
              vague_texts=vague, calibration_candidates=[e.source in CALIBRATION_SOURCES for e in examples])
    card = {
        "data_sources": counts,
        "n_examples": len(examples),
        "n_vague_negatives": len(vague),
        "n_subheadings": len(model.classes_),
        "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in model.get_params().items()
                   if k != "descriptions"},
        "temperatures": list(model.temperatures_),
        "calibration": f"temperature per level, fitted on a held-out {model.calibration_split:.0%} of "
                       f"{'/'.join(CALIBRATION_SOURCES)} examples",
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return model, card
