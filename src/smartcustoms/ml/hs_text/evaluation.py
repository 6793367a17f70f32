"""Evaluation (评估): top-k accuracy at chapter, heading and subheading level, the plain TF-IDF + linear baseline,
and a small hand-written Chinese check set (ours, distinct from the seed set)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from smartcustoms.ml.hs_text.text import MAX_TEXT_CHARS, normalise

LEVELS = (("chapter", 2), ("heading", 4), ("subheading", 6))

ZH_CHECK: tuple[tuple[str, str], ...] = (
    ("联想ThinkPad笔记本电脑 14英寸 i7处理器", "847130"),
    ("华为 Mate 60 智能手机 5G", "851713"),
    ("戴尔 27英寸 液晶显示器 电脑用", "852852"),
    ("18650 锂离子电池 3.7V", "850760"),
    ("TP-LINK 无线路由器 双频", "851762"),
    ("三星 固态硬盘 1TB SATA接口", "847170"),
    ("激光打印机 黑白 A4", "844332"),
    ("USB数据线 Type-C 1米", "854442"),
    ("蓝牙音箱 便携式 防水", "851822"),
    ("不锈钢 深沟球轴承 6205", "848210"),
    ("离心泵 工业用 铸铁", "841370"),
    ("数控车床 卧式", "845811"),
    ("医用 一次性注射器 5ml", "901831"),
    ("电子血压计 上臂式 家用", "901890"),
    ("光学显微镜 生物 实验室用", "901180"),
    ("石英手表 男士 不锈钢表壳", "910211"),
    ("纯棉 针织 男式T恤", "610910"),
    ("冷冻 去骨 牛肉", "020230"),
    ("红葡萄酒 750ml 瓶装", "220421"),
    ("电热水壶 1.7L 不锈钢", "851671"),
    ("家用 分体式 空调 壁挂式", "841510"),
    ("全自动 滚筒 洗衣机", "845011"),
    ("LED 灯泡 E27 9W", "853952"),
    ("太阳能 光伏组件 550W 单晶硅", "854143"),
    ("集成电路 处理器 芯片 BGA封装", "854231"),
)


def topk_accuracy(gold: Sequence[str], ranked: Sequence[tuple[Sequence[str], Sequence[str], Sequence[str]]],
                  rows: Sequence[int] | None = None) -> dict[str, float]:
    """{'chapter_top1': .., 'chapter_top3': .., ...} over `rows` (all if None); ranked = per item the top codes
    (distinct) at chapter, heading and subheading level."""
    idx = list(range(len(gold))) if rows is None else list(rows)
    out: dict[str, float] = {"n": float(len(idx))}
    for li, (name, length) in enumerate(LEVELS):
        for k in (1, 3):
            hits = [gold[i][:length] in [c[:length] for c in ranked[i][li][:k]] for i in idx]
            out[f"{name}_top{k}"] = float(np.mean(hits)) if hits else 0.0
    return out


def calibration(gold: Sequence[str], codes: Sequence[str], confidences: Sequence[float],
                bins: int = 10) -> dict[str, float]:
    """Expected calibration error of the top-1 subheading confidence (10 equal-width bins), with the mean
    confidence next to the accuracy: a calibrated model has ECE near 0 and mean confidence ≈ accuracy."""
    conf = np.asarray(confidences, dtype=float)
    hit = np.array([g[:6] == c for g, c in zip(gold, codes, strict=True)], dtype=float)
    if len(conf) == 0:
        return {"ece": 0.0, "mean_confidence": 0.0, "accuracy": 0.0}
    which = np.minimum((conf * bins).astype(int), bins - 1)
    ece = sum(abs(conf[which == b].mean() - hit[which == b].mean()) * (which == b).mean()
              for b in range(bins) if (which == b).any())
    return {"ece": float(ece), "mean_confidence": float(conf.mean()), "accuracy": float(hit.mean())}


def ranks_from_codes(codes: Sequence[str], k: int = 3) -> tuple[list[str], list[str], list[str]]:
    """Distinct chapter / heading / subheading lists from one ranked list of 6-digit codes."""
    levels: tuple[list[str], list[str], list[str]] = ([], [], [])
    for code in codes:
        for li, (_name, length) in enumerate(LEVELS):
            if code[:length] not in levels[li] and len(levels[li]) < k:
                levels[li].append(code[:length])
    return levels


class CentroidBaseline(ClassifierMixin, BaseEstimator):
    """Plain TF-IDF (char_wb 2–5) + one flat linear scorer over 6-digit codes (each code's weight vector is the
    L2-normalised mean of its examples: Rocchio), no hierarchy, no calibration. The reference baseline."""

    def __init__(self, ngram_range: tuple[int, int] = (2, 5)) -> None:
        self.ngram_range = ngram_range

    def fit(self, X: Sequence[str], y: Sequence[str]) -> CentroidBaseline:
        self.vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=self.ngram_range, sublinear_tf=True,
                                           dtype=np.float32)
        matrix = self.vectorizer_.fit_transform([normalise(x)[:MAX_TEXT_CHARS] for x in X])
        self.classes_, inverse = np.unique(np.asarray(y), return_inverse=True)
        member = sp.csr_matrix((np.ones(len(inverse), dtype=np.float32), (inverse, np.arange(len(inverse)))),
                               shape=(len(self.classes_), len(inverse)))
        self.weights_t_ = normalize(member @ matrix).T.tocsr()
        return self

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        q = self.vectorizer_.transform([normalise(str(x))[:MAX_TEXT_CHARS] for x in X])
        return np.asarray((q @ self.weights_t_).toarray())

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]  # type: ignore[no-any-return]

    def rank(self, X: Sequence[str], k: int = 3) -> list[tuple[list[str], list[str], list[str]]]:
        out = []
        for start in range(0, len(X), 256):
            scores = self.decision_function(X[start:start + 256])
            for row in scores:
                top = self.classes_[np.argsort(-row)[:60]]
                out.append(ranks_from_codes([str(c) for c in top], k))
        return out
