"""Estimators (scikit-learn contract: fit / predict_proba, learned state ends in `_`):

- `ConcealmentDetector`: LightGBM multi-class over patch features (background, gun, knife, drugs, cigarettes,
  high-Z); its 1 − P(background) on the patch grid, each cell supported by its hottest neighbour (`supported`),
  is the heat map; connected cells above the threshold are the marked regions, labelled with the most probable
  object kind and its alert (weapon / drug / high_z); a region smaller than its kind's learned minimum size is
  judged on the kinds it can be, and dropped when it is none of them.
- `ThresholdDetector`: the plain baseline — a pixel is suspicious when its attenuation exceeds the mean of its
  row neighbourhood by more than a threshold; same grid, same regions.
- `GoodsClassifier`: LightGBM multi-class over the whole-scan signature → P(goods kind); the consistency score
  of a declaration is P(declared kind), solid waste is P(metal scrap) + P(plastic waste), empty is P(empty).
- `LibraryBaseline`: the typical-goods library as a mean / spread of the cargo's mean attenuation per kind.
- `reference_similarity`: a filed reference scan's signature against a new one (standardised distance).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from scipy import ndimage

from smartcustoms.ml.scan.features import ScanMaps

OBJECT_CLASSES: tuple[str, ...] = ("background", "gun", "knife", "drugs", "cigarettes", "high_z")
ALERTS: dict[str, str] = {"gun": "weapon", "knife": "weapon", "drugs": "drug", "cigarettes": "drug",
                          "high_z": "high_z"}


def _booster(x: np.ndarray, y: np.ndarray, n_classes: int, rounds: int, seed: int,
             weight: np.ndarray | None = None, leaves: int = 31) -> lgb.Booster:
    params: dict[str, Any] = {"objective": "multiclass", "num_class": n_classes, "num_leaves": leaves,
                              "learning_rate": 0.1, "min_data_in_leaf": 10, "feature_fraction": 0.9,
                              "bagging_fraction": 0.9, "bagging_freq": 1, "seed": seed, "num_threads": 2,
                              "verbose": -1, "deterministic": True, "force_row_wise": True}
    return lgb.train(params, lgb.Dataset(x, label=y, weight=weight), num_boost_round=rounds)


@dataclass
class Region:
    x: int
    y: int
    w: int
    h: int
    label: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h, "label": self.label,
                "alert": ALERTS.get(self.label, "anomaly"), "score": round(self.score, 4)}


def grid_regions(heat: np.ndarray, proba: np.ndarray | None, m: ScanMaps, threshold: float,
                 min_mm: Mapping[str, float] | None = None) -> list[Region]:
    """Connected grid cells with heat ≥ threshold → pixel rectangles (8-connected), labelled with the object kind
    most of their cells vote for (`proba`: per-cell probabilities over OBJECT_CLASSES, last axis), scored by their
    hottest cell. With `min_mm`, a region narrower (its smaller side, mm) than its voted kind can be is judged on
    the kinds it can be instead (`_judged_on_kinds_that_fit`): a hot drug brick whose cells lean to cigarettes is
    still a region — of drugs — while a sliver that is nothing but "cigarettes" at the edge where two kinds of
    goods meet is dropped."""
    mask = heat >= threshold
    if not mask.any():
        return []
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    out = []
    half = m.patch // 2
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None:
            continue
        cells = labels[sl] == i
        score = float(heat[sl][cells].max())
        y0, y1 = int(m.ys[sl[0].start]) - half, int(m.ys[sl[0].stop - 1]) + half
        x0, x1 = int(m.xs[sl[1].start]) - half, int(m.xs[sl[1].stop - 1]) + half
        region = Region(max(0, x0), max(0, y0), x1 - max(0, x0), y1 - max(0, y0), "anomaly", score)
        if proba is None:
            out.append(region)
            continue
        p = proba[sl][cells]
        votes = p[:, 1:].argmax(axis=1)
        region.label = OBJECT_CLASSES[int(np.bincount(votes, minlength=len(OBJECT_CLASSES) - 1).argmax()) + 1]
        side = min(region.w, region.h) * m.px_mm
        if min_mm and side < min_mm.get(region.label, 0.0):
            judged = _judged_on_kinds_that_fit(p, heat[sl][cells], side, min_mm)
            if judged is None or judged[1] < threshold:
                continue
            region.label, region.score = judged
        out.append(region)
    return out


def _judged_on_kinds_that_fit(p: np.ndarray, heat: np.ndarray, side_mm: float, min_mm: Mapping[str, float]
                              ) -> tuple[str, float] | None:
    """(kind, score) of a region among the object kinds whose smallest size its smaller side reaches, each kind on
    its own: a cell's heat times that kind's share of the cell's object probability, the best cell; the kind that
    scores best. None when no kind fits or none has any probability."""
    best: tuple[str, float] | None = None
    obj = np.maximum(1 - p[:, 0], 1e-9)
    for c in range(1, len(OBJECT_CLASSES)):
        kind = OBJECT_CLASSES[c]
        if side_mm < min_mm.get(kind, 0.0) or not p[:, c].any():
            continue
        score = float((heat * p[:, c] / obj).max())
        if best is None or score > best[1]:
            best = (kind, score)
    return best


class ConcealmentDetector:
    """Patch classifier, plus the smallest region each object kind may show as (`min_region_mm_`): half the
    smaller side of the smallest object of that kind in the training scans. It matters for cigarettes (master
    cartons, ≥ 0.6 m): a one-patch-wide sliver at the boundary between two goods is not a block of cigarettes."""

    def __init__(self, rounds: int = 150, seed: int = 0) -> None:
        self.rounds, self.seed = rounds, seed
        self.min_region_mm_: dict[str, float] = {}

    def learn_sizes(self, sizes: Sequence[tuple[str, float]]) -> ConcealmentDetector:
        """`sizes`: (object kind, smaller side in mm) of every object in the training scans."""
        smallest: dict[str, float] = {}
        for kind, side in sizes:
            smallest[kind] = min(side, smallest.get(kind, side))
        self.min_region_mm_ = {k: round(0.5 * v, 1) for k, v in sorted(smallest.items())}
        return self

    def fit(self, x: np.ndarray, y: np.ndarray) -> ConcealmentDetector:
        counts = np.bincount(y, minlength=len(OBJECT_CLASSES)).astype(np.float64)
        weight = (counts.sum() / np.maximum(counts, 1) / len(OBJECT_CLASSES))[y] ** 0.5
        self.booster_ = _booster(x, y, len(OBJECT_CLASSES), self.rounds, self.seed, weight)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster_.predict(x))

    def heat(self, x: np.ndarray, m: ScanMaps) -> tuple[np.ndarray, np.ndarray]:
        """(heat grid: 1 − P(background) supported by a neighbour, the class probabilities per cell)."""
        p = self.predict_proba(x)
        shape = (m.ys.size, m.xs.size)
        return supported((1 - p[:, 0]).reshape(shape)), p.reshape(*shape, p.shape[1])


def supported(heat: np.ndarray) -> np.ndarray:
    """Each cell's evidence together with its hottest neighbour's: the mean of the two log-odds where that is
    lower than the cell's own (support only ever lowers a cell, so heat never spreads to cool cells). Patches
    overlap by half, so every object (≥ 7 cm across) shows in two neighbouring patches; a lone hot patch is a
    blip of the goods, and is brought down by its cooler neighbours. A grid without neighbours is left as is."""
    if heat.size < 2:
        return heat
    z = np.log(np.clip(heat, 1e-6, 1 - 1e-6) / np.clip(1 - heat, 1e-6, 1))
    ring = np.ones((3, 3), dtype=bool)
    ring[1, 1] = False
    best = ndimage.maximum_filter(z, footprint=ring, mode="constant", cval=-np.inf)
    return np.asarray(1 / (1 + np.exp(-np.minimum(z, 0.5 * (z + best)))))


class ThresholdDetector:
    """Plain threshold baseline: excess attenuation over the row neighbourhood, max-pooled onto the patch grid."""

    def heat(self, m: ScanMaps) -> np.ndarray:
        p = m.patch
        res = m.a_h - ndimage.uniform_filter(m.a_h, (max(3, p // 2), 8 * p))
        pooled = ndimage.maximum_filter(res, p)
        return np.asarray(pooled[np.ix_(m.ys, m.xs)])


class GoodsClassifier:
    def __init__(self, classes: tuple[str, ...], rounds: int = 200, seed: int = 0) -> None:
        self.classes, self.rounds, self.seed = classes, rounds, seed

    def fit(self, x: np.ndarray, y: np.ndarray) -> GoodsClassifier:
        self.booster_ = _booster(x, y, len(self.classes), self.rounds, self.seed, leaves=15)
        self.scale_ = np.maximum(x.std(axis=0), 1e-6)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster_.predict(np.atleast_2d(x)))

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.predict_proba(x).argmax(axis=1)

    def consistency(self, x: np.ndarray, declared: list[str]) -> np.ndarray:
        p = self.predict_proba(x)
        idx = np.array([self.classes.index(d) for d in declared])
        return np.asarray(p[np.arange(len(idx)), idx])


class LibraryBaseline:
    """Typical-goods library baseline: per kind, the mean and spread of the cargo's mean attenuation."""

    def fit(self, alpha_mean: np.ndarray, kinds: list[str]) -> LibraryBaseline:
        arr = np.asarray(kinds)
        self.stats_ = {k: (float(alpha_mean[arr == k].mean()), float(alpha_mean[arr == k].std() + 0.02))
                       for k in sorted(set(kinds))}
        return self

    def mismatch(self, alpha_mean: np.ndarray, declared: list[str]) -> np.ndarray:
        fallback = (float(np.mean([m for m, _s in self.stats_.values()])), 1.0)
        return np.array([abs(a - self.stats_.get(d, fallback)[0]) / self.stats_.get(d, fallback)[1]
                         for a, d in zip(alpha_mean, declared, strict=True)])


def reference_similarity(new: np.ndarray, ref: np.ndarray, scale: np.ndarray) -> float:
    """1 = same signature as the filed reference scan, → 0 as they diverge (standardised RMS distance)."""
    d = (np.asarray(new) - np.asarray(ref)) / scale
    return float(np.exp(-0.5 * np.mean(d * d)))
