"""`ScanAnalyser`: the trained assistant for one scan (detector + goods classifier + library), and its
versioned artefact: ``<root>/<version>/`` with ``detector.txt`` and ``goods.txt`` (LightGBM text models),
``meta.json`` (classes, thresholds, signature scales, metrics) and ``MODEL_CARD.md``. No pickle. The version is
``imaging-<first 12 hex of SHA-256 over the models and meta>``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from smartcustoms.ml.scan.features import (
    FEATURES_VERSION,
    PATCH_FEATURES,
    SIGNATURE_FEATURES,
    maps,
    patch_features,
    signature,
)
from smartcustoms.ml.scan.materials import decompose
from smartcustoms.ml.scan.models import (
    ConcealmentDetector,
    GoodsClassifier,
    Region,
    grid_regions,
    reference_similarity,
)

WASTE_KINDS = ("metal_scrap", "plastic_waste")


@dataclass
class Analysis:
    risk: float
    regions: list[Region]
    heat: np.ndarray
    goods_proba: dict[str, float]
    consistency: float | None
    waste: float
    empty: float
    signature: np.ndarray
    materials: dict[str, float]
    reference_similarity: float | None = None
    alerts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"risk": round(self.risk, 4), "regions": [r.as_dict() for r in self.regions],
                "goods": {k: round(v, 4) for k, v in sorted(self.goods_proba.items(), key=lambda kv: -kv[1])[:3]},
                "consistency": None if self.consistency is None else round(self.consistency, 4),
                "waste": round(self.waste, 4), "empty": round(self.empty, 4), "alerts": self.alerts,
                "materials": {k: round(v, 4) for k, v in self.materials.items()},
                "reference_similarity": None if self.reference_similarity is None
                else round(self.reference_similarity, 4),
                "signature": [round(float(v), 5) for v in self.signature]}


def scan_risk(regions: list[Region], consistency: float | None, waste: float, reference: float | None) -> float:
    """What orders the review queue: the strongest finding — the best region's score (as judged, not the heat of
    its cells: a region kept as a drug brick scores what the brick's evidence does), a declared-goods mismatch
    (1 − consistency), solid waste, or a divergence from the filed reference scan (1 − similarity)."""
    return float(max([max((r.score for r in regions), default=0.0),
                      1 - consistency if consistency is not None else 0.0, waste,
                      1 - reference if reference is not None else 0.0]))


class ScanAnalyser:
    def __init__(self, detector: ConcealmentDetector, goods: GoodsClassifier, threshold: float,
                 meta: dict[str, Any] | None = None) -> None:
        self.detector, self.goods, self.threshold = detector, goods, threshold
        self.meta = meta or {}

    def analyse(self, high: np.ndarray, low: np.ndarray, px_mm: float, declared: str | None = None,
                reference: np.ndarray | None = None) -> Analysis:
        m = maps(high, low, px_mm)
        heat, patch_proba = self.detector.heat(patch_features(m), m)
        regions = grid_regions(heat, patch_proba, m, self.threshold, self.detector.min_region_mm_)
        sig = signature(m)
        proba = self.goods.predict_proba(sig)[0]
        goods_p = dict(zip(self.goods.classes, (float(v) for v in proba), strict=False))
        consistency = goods_p.get(declared) if declared in goods_p else None
        waste = sum(goods_p.get(k, 0.0) for k in WASTE_KINDS)
        _a, _r, cls = decompose(high, low)
        counts = np.bincount(cls.ravel(), minlength=6) / cls.size
        names = ("air", "organic", "mixed", "metal", "high_z", "opaque")
        materials = {n: float(c) for n, c in zip(names, counts, strict=True)}
        ref = reference_similarity(sig, reference, self.goods.scale_) if reference is not None else None
        alerts = sorted({r.as_dict()["alert"] for r in regions})
        if waste >= 0.5:
            alerts.append("solid_waste")
        if consistency is not None and consistency < 0.2:
            alerts.append("goods_mismatch")
        if declared == "empty" and (goods_p.get("empty", 0.0) < 0.5 or regions):
            alerts.append("not_empty")
        risk = scan_risk(regions, consistency, waste, ref)
        return Analysis(risk, regions, heat, goods_p, consistency, float(waste), goods_p.get("empty", 0.0),
                        sig, materials, ref, alerts)

    # --- artefact -----------------------------------------------------------------------------------------
    def save(self, root: Path, card: str) -> tuple[Path, str]:
        det = str(self.detector.booster_.model_to_string())
        goods = str(self.goods.booster_.model_to_string())
        meta = {**self.meta, "threshold": self.threshold, "goods_classes": list(self.goods.classes),
                "signature_scale": [float(v) for v in self.goods.scale_],
                "patch_features": list(PATCH_FEATURES), "signature_features": list(SIGNATURE_FEATURES),
                "features_version": FEATURES_VERSION,
                "min_region_mm": dict(self.detector.min_region_mm_)}
        body = json.dumps(meta, sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(det.encode() + b"\0" + goods.encode() + b"\0" + body.encode()).hexdigest()
        version = f"imaging-{digest[:12]}"
        folder = root / version
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "detector.txt").write_text(det, encoding="utf-8")
        (folder / "goods.txt").write_text(goods, encoding="utf-8")
        full = {**meta, "version": version, "sha256": digest}
        (folder / "meta.json").write_text(json.dumps(full, indent=1, sort_keys=True, ensure_ascii=False),
                                          encoding="utf-8")
        (folder / "MODEL_CARD.md").write_text(card.replace("{version}", version), encoding="utf-8")
        self.meta = full
        return folder, version

    @classmethod
    def load(cls, folder: Path) -> ScanAnalyser:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta["patch_features"] != list(PATCH_FEATURES) or meta["signature_features"] != list(SIGNATURE_FEATURES) \
                or meta.get("features_version") != FEATURES_VERSION:
            raise ValueError(f"artefact was trained with another feature list (features version "
                             f"{meta.get('features_version')}, this code {FEATURES_VERSION})")
        det = ConcealmentDetector()
        det.booster_ = lgb.Booster(model_str=(folder / "detector.txt").read_text(encoding="utf-8"))
        det.min_region_mm_ = {str(k): float(v) for k, v in meta.get("min_region_mm", {}).items()}
        goods = GoodsClassifier(tuple(meta["goods_classes"]))
        goods.booster_ = lgb.Booster(model_str=(folder / "goods.txt").read_text(encoding="utf-8"))
        goods.scale_ = np.array(meta["signature_scale"])
        return cls(det, goods, float(meta["threshold"]), meta)
