"""Feedback → retraining: reviewer decisions and manual-inspection outcomes (``imaging_labels``) become training
data for the next version, which is compared with the current version on the same held-out set before use.

What the labels add today: scans whose declared goods kind was confirmed (reviewer `pass`, or a manual
inspection `conform`) are added to the goods classifier's training set with that kind; scans found anomalous are
kept out of it. Region labels are stored for a future detector that learns from real marks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy import select

from smartcustoms.capabilities.imaging import db
from smartcustoms.capabilities.imaging.evaluation import (
    card_for,
    evaluate_analyser,
    fit_analyser,
    generate,
)
from smartcustoms.capabilities.imaging.ports import model_root
from smartcustoms.devices.scanner.codec import decode_gray16
from smartcustoms.ml.scan.analyser import ScanAnalyser
from smartcustoms.ml.scan.features import maps, signature
from smartcustoms.platform.blobs import BlobStore
from smartcustoms.platform.db import make_engine

HEADLINE = ("recall_at_2pct", "mismatch_auc", "waste_accuracy")


def feedback_signatures(engine: Any, blobs: BlobStore) -> tuple[np.ndarray, list[str]]:
    sigs, kinds = [], []
    with engine.connect() as conn:
        rows = conn.execute(select(db.imaging_scans).where(db.imaging_scans.c.status == "decided",
                                                           db.imaging_scans.c.declared_goods.is_not(None))
                            ).mappings().all()
    for r in rows:
        confirmed = r["outcome"] == "conform" or (r["decision"] == "pass" and r["outcome"] is None)
        if not confirmed:
            continue
        high, low = decode_gray16(blobs.get(r["high_sha256"])), decode_gray16(blobs.get(r["low_sha256"]))
        sigs.append(signature(maps(high, low, r["px_mm"])))
        kinds.append(str(r["declared_goods"]))
    return (np.array(sigs) if sigs else np.zeros((0, 18))), kinds


def _metrics(rep: dict[str, Any]) -> dict[str, float]:
    return {"recall_at_2pct": rep["detection"]["recall"], "mismatch_auc": rep["mismatch_auc"],
            "waste_accuracy": rep["waste_accuracy"]}


def retrain_and_compare(settings: Any, *, n_train: int, n_test: int, seed: int, force: bool = False,
                        px_mm: float = 10.0, rounds: int = 150, n_val: int | None = None,
                        progress: Callable[[str], None] | None = None) -> tuple[bool, list[str]]:
    engine = make_engine(settings.effective_database_url)
    try:
        extra = feedback_signatures(engine, BlobStore(settings.blob_dir))
    finally:
        engine.dispose()
    root = model_root(settings.data_dir)
    pointer = root / "current"
    current: ScanAnalyser | None = None
    stale = ""
    if pointer.exists():
        try:
            current = ScanAnalyser.load(root / pointer.read_text().strip())
        except ValueError as exc:  # trained with an older feature list: nothing to compare with
            stale = f"current version not comparable ({exc}); the candidate is judged alone"
    if current is not None:
        px_mm = float(current.meta.get("px_mm", px_mm))
    train = generate(n_train, seed, heldout=False, px_mm=px_mm, keep_maps=False, progress=progress)
    val = generate(n_val or max(30, n_train // 4), seed + 1, heldout=False, px_mm=px_mm, progress=progress)
    test = generate(n_test, seed + 2, heldout=True, px_mm=px_mm, progress=progress)
    candidate = fit_analyser(train, val, seed=seed, rounds=rounds, extra_goods=extra)
    new = _metrics(evaluate_analyser(candidate, train, test))
    old = _metrics(evaluate_analyser(current, train, test)) if current is not None else None
    lines = [f"feedback labels used: {len(extra[1])}", *([stale] if stale else []),
             f"{'metric':20} {'current':>9} {'candidate':>9}"]
    for k in HEADLINE:
        lines.append(f"{k:20} {old[k] if old else float('nan'):>9.3f} {new[k]:>9.3f}")
    better = old is None or all(new[k] >= old[k] - 0.005 for k in HEADLINE)
    candidate.meta.update({"px_mm": px_mm, "n_train": n_train, "n_val": len(val), "n_test": n_test, "seed": seed,
                           "n_feedback": len(extra[1]), "metrics": new,
                           "previous": current.meta.get("version") if current else None})
    folder, version = candidate.save(root, card_for(candidate))
    if better or force:
        pointer.write_text(version, encoding="utf-8")
        lines.append(f"new version {version} is now current ({folder})")
        return True, lines
    lines.append(f"new version {version} kept aside: a headline metric is worse than the current one")
    return False, lines
