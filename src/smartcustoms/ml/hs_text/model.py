"""The HS text classifier (商品归类模型): character n-gram TF-IDF, one linear model per level with hierarchical
consistency (chapter → heading → subheading), calibrated by a fitted temperature per level, with a vague-text
detector and explanations (nomenclature text, closest training examples, the n-grams that decided)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from smartcustoms.ml.hs_text.text import MAX_TEXT_CHARS, facts, normalise

LOW_CONFIDENCE = 0.25
VAGUE = 0.6
"""Vague-text detector probability from which the 'needs more detail' flag is raised."""
"""Below this top-1 confidence a suggestion comes with the 'needs more detail' flag."""


@dataclass(frozen=True)
class Neighbour:
    text: str
    code: str
    similarity: float


@dataclass(frozen=True)
class Suggestion:
    code: str
    """6-digit HS subheading"""
    confidence: float
    chapter: str
    chapter_confidence: float
    heading: str
    heading_confidence: float
    description: str = ""
    heading_description: str = ""
    chapter_description: str = ""
    evidence: tuple[tuple[str, float], ...] = ()
    """n-grams of the input that pushed towards this code, with their weight"""


@dataclass(frozen=True)
class Prediction:
    text: str
    suggestions: tuple[Suggestion, ...]
    needs_detail: bool
    reasons: tuple[str, ...] = ()
    """'empty', 'unsupported_script', 'no_known_words', 'vague', 'low_confidence', 'truncated'"""
    vague_score: float = 0.0
    neighbours: tuple[Neighbour, ...] = ()
    chapters: tuple[tuple[str, float], ...] = ()
    headings: tuple[tuple[str, float], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _prune(coef: np.ndarray, keep: int) -> np.ndarray:
    """Zero all but the `keep` largest |weights| of each row (keeps the artefact small and scoring sparse)."""
    if keep <= 0 or coef.shape[1] <= keep:
        return coef
    out = np.zeros_like(coef)
    idx = np.argpartition(-np.abs(coef), keep - 1, axis=1)[:, :keep]
    rows = np.arange(coef.shape[0])[:, None]
    out[rows, idx] = coef[rows, idx]
    return out


def _group_log_softmax(scores: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Log-softmax of each row within contiguous column groups (groups start at `starts`)."""
    mx = np.maximum.reduceat(scores, starts, axis=1)
    z = scores - np.repeat(mx, sizes, axis=1)
    lse = np.log(np.add.reduceat(np.exp(z), starts, axis=1))
    return z - np.repeat(lse, sizes, axis=1)  # type: ignore[no-any-return]


class _Level:
    """Local linear models of one level stacked into one sparse matrix: row i scores class i against its
    siblings (same parent); parents are contiguous because classes are sorted by code."""

    def __init__(self, classes: list[str], parent_index: np.ndarray, weights: sp.csr_matrix,
                 intercept: np.ndarray) -> None:
        self.classes = np.array(classes)
        self.parent_index = parent_index
        self.weights_t = weights.T.tocsr().astype(np.float32)
        self.weights = weights.tocsr().astype(np.float32)
        self.weights.sort_indices()
        self.intercept = intercept.astype(np.float32)
        change = np.flatnonzero(np.diff(parent_index)) + 1
        self.starts = np.concatenate([[0], change]).astype(np.intp)
        self.sizes = np.diff(np.concatenate([self.starts, [len(classes)]])).astype(np.intp)

    def scores(self, q: sp.csr_matrix) -> np.ndarray:
        return np.asarray((q @ self.weights_t).toarray()) + self.intercept

    def gather(self, row: int, cols: np.ndarray) -> np.ndarray:
        """Weights of class `row` at feature columns `cols` (sorted), zero where absent."""
        lo, hi = self.weights.indptr[row], self.weights.indptr[row + 1]
        idx, val = self.weights.indices[lo:hi], self.weights.data[lo:hi]
        out = np.zeros(len(cols), dtype=np.float32)
        if hi > lo:
            pos = np.minimum(np.searchsorted(idx, cols), hi - lo - 1)
            hit = idx[pos] == cols
            out[hit] = val[pos[hit]]
        return out


class _Features:
    """Character n-grams (both scripts, no segmentation) plus, optionally, weighted word uni/bigrams (English)."""

    def __init__(self, ngram_range: tuple[int, int], min_df: int, max_features: int | None,
                 word_weight: float) -> None:
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, min_df=min_df,
                                    max_features=max_features, sublinear_tf=True, dtype=np.float32)
        self.word_weight = word_weight
        self.word = (TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=1, sublinear_tf=True,
                                     token_pattern=r"(?u)\b[a-z][a-z0-9]+\b", dtype=np.float32)
                     if word_weight > 0 else None)

    def fit_transform(self, texts: list[str]) -> sp.csr_matrix:
        char = self.char.fit_transform(texts)
        if self.word is None:
            return char.tocsr()
        return self._join(char, self.word.fit_transform(texts))

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        char = self.char.transform(texts)
        if self.word is None:
            return char.tocsr()
        return self._join(char, self.word.transform(texts))

    def _join(self, char: sp.spmatrix, word: sp.spmatrix) -> sp.csr_matrix:
        return normalize(sp.hstack([char, word * self.word_weight]).tocsr()).astype(np.float32)

    def get_feature_names_out(self) -> np.ndarray:
        names = self.char.get_feature_names_out()
        if self.word is not None:
            names = np.concatenate([names, self.word.get_feature_names_out()])
        return names  # type: ignore[no-any-return]


class HSTextClassifier(ClassifierMixin, BaseEstimator):
    """Top-k HS 2022 subheadings for a product text, Chinese, English or mixed.

    fit(X, y): X texts, y codes of 2, 4 or 6 digits (an example trains every level its code reaches).
    predict / predict_proba over `classes_` (6-digit codes); `suggest` gives explained top-k predictions."""

    def __init__(self, descriptions: dict[str, str] | None = None, ngram_range: tuple[int, int] = (1, 5),
                 min_df: int = 1, max_features: int | None = 300_000, C: float = 1.0, keep_weights: int = 2000,
                 keep_chapter_weights: int = 30_000, word_weight: float = 0.0, knn_weight: float = 0.0,
                 knn_k: int = 30, local_max_df: float = 0.05, calibration_split: float = 0.15,
                 random_state: int = 0) -> None:
        self.descriptions = descriptions
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.keep_weights = keep_weights
        self.keep_chapter_weights = keep_chapter_weights
        self.word_weight = word_weight
        self.knn_weight = knn_weight
        self.knn_k = knn_k
        self.local_max_df = local_max_df
        self.calibration_split = calibration_split
        self.random_state = random_state

    # --- training ---------------------------------------------------------------------------------------------
    def fit(self, X: Sequence[str], y: Sequence[str], sample_weight: Sequence[float] | None = None,
            vague_texts: Sequence[str] | None = None,
            calibration_candidates: Sequence[bool] | None = None) -> HSTextClassifier:
        """`calibration_candidates` marks the examples that look like real queries (product terms, parcel
        descriptions); the held-out split that fits the temperatures is drawn from those only."""
        texts = [normalise(str(x))[:MAX_TEXT_CHARS] for x in X]
        codes = np.array([str(c) for c in y])
        if len(texts) != len(codes) or not texts:
            raise ValueError("X and y must be non-empty and of the same length")
        if any(len(c) not in (2, 4, 6) or not c.isdigit() for c in codes):
            raise ValueError("codes must have 2, 4 or 6 digits")
        weights = np.ones(len(texts)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.vectorizer_ = _Features(self.ngram_range, self.min_df, self.max_features, self.word_weight)
        matrix = self.vectorizer_.fit_transform(texts)
        self.temperatures_ = (1.0, 1.0, 1.0)
        if self.calibration_split > 0 and len(texts) >= 20:
            rng = np.random.default_rng(self.random_state)
            held = rng.random(len(texts)) < self.calibration_split
            if calibration_candidates is not None:
                held &= np.asarray(calibration_candidates, dtype=bool)
            levels = self._fit_levels(matrix[~held], codes[~held], weights[~held])
            self.temperatures_ = self._fit_temperatures(levels, matrix[held], codes[held])
        self.chapter_, self.heading_, self.subheading_ = self._fit_levels(matrix, codes, weights)
        self.classes_ = self.subheading_.classes
        self.train_matrix_ = matrix
        heads = np.array([c[:4] if len(c) >= 4 else c for c in codes])
        order = np.argsort(heads, kind="stable")
        bounds = np.flatnonzero(heads[order][1:] != heads[order][:-1]) + 1
        self.rows_by_heading_ = {str(heads[g[0]]): g for g in np.split(order, bounds) if len(g)}
        self.train_texts_ = texts
        self.train_codes_ = codes
        self._fit_knn(matrix, codes)
        self.vague_ = self._fit_vague(matrix, vague_texts or [])
        self.feature_names_ = self.vectorizer_.get_feature_names_out()
        return self

    def _fit_levels(self, matrix: sp.csr_matrix, codes: np.ndarray, weights: np.ndarray) -> tuple[_Level, ...]:
        chapters = np.array([c[:2] for c in codes])
        chapter = self._fit_flat(matrix, chapters, weights, self.keep_chapter_weights)
        if self.local_max_df < 1.0:  # heading/subheading models skip the commonest n-grams: faster, as accurate
            df = np.bincount(matrix.indices, minlength=matrix.shape[1]) / max(1, matrix.shape[0])
            matrix = (matrix @ sp.diags((df <= self.local_max_df).astype(np.float32))).tocsr()
            matrix.eliminate_zeros()
        lens = np.array([len(c) for c in codes])
        head_rows = np.flatnonzero(lens >= 4)
        heading = self._fit_local(matrix[head_rows], np.array([c[:4] for c in codes[head_rows]]),
                                  weights[head_rows], 2, list(chapter.classes))
        sub_rows = np.flatnonzero(lens == 6)
        subheading = self._fit_local(matrix[sub_rows], codes[sub_rows], weights[sub_rows], 4,
                                     list(heading.classes))
        return chapter, heading, subheading

    def _svc(self, x: sp.csr_matrix, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        svc = LinearSVC(C=self.C, max_iter=2000, random_state=self.random_state)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)  # "more classes than half the samples" is expected
            svc.fit(x, y, sample_weight=w)
        coef, intercept = svc.coef_, svc.intercept_
        if len(svc.classes_) == 2:  # binary: one row; make it two symmetric rows
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
        return svc.classes_, coef, intercept

    def _fit_flat(self, matrix: sp.csr_matrix, labels: np.ndarray, weights: np.ndarray, keep: int) -> _Level:
        classes = np.unique(labels)
        if len(classes) == 1:
            return _Level(list(classes), np.zeros(1, dtype=np.intp), sp.csr_matrix((1, matrix.shape[1])),
                          np.zeros(1))
        classes, coef, intercept = self._svc(matrix, labels, weights)
        return _Level(list(classes), np.zeros(len(classes), dtype=np.intp), sp.csr_matrix(_prune(coef, keep)),
                      intercept)

    def _fit_local(self, matrix: sp.csr_matrix, labels: np.ndarray, weights: np.ndarray, parent_len: int,
                   parents: list[str]) -> _Level:
        """One linear model per parent among its children, fitted on the parent's rows and columns only."""
        parent_pos = {p: i for i, p in enumerate(parents)}
        keep_rows = np.array([lab[:parent_len] in parent_pos for lab in labels], dtype=bool)
        matrix, labels, weights = matrix[keep_rows], labels[keep_rows], weights[keep_rows]
        order = np.argsort(labels, kind="stable")
        matrix, labels, weights = matrix[order], labels[order], weights[order]
        classes: list[str] = []
        parent_index: list[int] = []
        blocks: list[sp.csr_matrix] = []
        intercepts: list[np.ndarray] = []
        n_features = matrix.shape[1]
        prefixes = np.array([lab[:parent_len] for lab in labels])
        bounds = np.flatnonzero(prefixes[1:] != prefixes[:-1]) + 1
        for rows in np.split(np.arange(len(labels)), bounds):
            if len(rows) == 0:
                continue
            parent = prefixes[rows[0]]
            local_classes = np.unique(labels[rows])
            if len(local_classes) == 1:
                coef, intercept = sp.csr_matrix((1, n_features)), np.zeros(1)
            else:
                sub = matrix[rows]
                cols = np.unique(sub.indices)
                local_classes, dense, intercept = self._svc(sub[:, cols], labels[rows], weights[rows])
                dense = _prune(dense, self.keep_weights)
                coo = sp.coo_matrix(dense)
                coef = sp.csr_matrix((coo.data, (coo.row, cols[coo.col])), shape=(len(local_classes), n_features))
            classes += list(local_classes)
            parent_index += [parent_pos[parent]] * len(local_classes)
            blocks.append(sp.csr_matrix(coef))
            intercepts.append(np.asarray(intercept, dtype=float))
        if not classes:
            return _Level([], np.zeros(0, dtype=np.intp), sp.csr_matrix((0, n_features)), np.zeros(0))
        return _Level(classes, np.array(parent_index, dtype=np.intp), sp.vstack(blocks).tocsr(),
                      np.concatenate(intercepts))

    def _fit_temperatures(self, levels: tuple[_Level, ...], matrix: sp.csr_matrix,
                          codes: np.ndarray) -> tuple[float, float, float]:
        temps = []
        for level, length in zip(levels, (2, 4, 6), strict=True):
            pos = {c: i for i, c in enumerate(level.classes)}
            rows = [i for i, c in enumerate(codes) if len(c) >= length and c[:length] in pos]
            if len(rows) < 5 or len(level.classes) == 0:
                temps.append(1.0)
                continue
            scores = level.scores(matrix[rows])
            truth = np.array([pos[codes[i][:length]] for i in rows])

            def nll(t: float, scores: np.ndarray = scores, truth: np.ndarray = truth, level: _Level = level) -> float:
                logp = _group_log_softmax(scores / t, level.starts, level.sizes)
                return float(-logp[np.arange(len(truth)), truth].mean())

            temps.append(float(minimize_scalar(nll, bounds=(0.02, 5.0), method="bounded").x))
        return temps[0], temps[1], temps[2]

    def _fit_knn(self, matrix: sp.csr_matrix, codes: np.ndarray) -> None:
        """Nearest-neighbour index over the training examples (frequent n-grams left out: they cost time and
        say little), and for each example the class it names at its own level."""
        df = np.bincount(matrix.indices, minlength=matrix.shape[1])
        keep = (df <= max(50, int(0.02 * matrix.shape[0]))).astype(np.float32)
        pruned = (matrix @ sp.diags(keep)).tocsr()
        pruned.eliminate_zeros()
        self.knn_t_ = pruned.T.tocsr()
        level_of = np.array([len(c) for c in codes])
        index = np.full(len(codes), -1, dtype=np.intp)
        for level, length in ((self.chapter_, 2), (self.heading_, 4), (self.subheading_, 6)):
            pos = {str(c): j for j, c in enumerate(level.classes)}
            for i in np.flatnonzero(level_of == length):
                index[i] = pos.get(str(codes[i]), -1)
        self.knn_level_, self.knn_index_ = level_of, index

    def _knn_mix(self, q: sp.csr_matrix, lp_ch: np.ndarray, lp_h: np.ndarray,
                 lp_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mix the model's subheading distribution with a neighbour vote. Off by default: measured on HSCodeComp
        ch. 84/85/90 at knn_weight=0.4 it adds ~3 points of chapter/heading top-1 but costs ~4x latency.
        A neighbour labelled with a heading (or chapter) spreads its vote over that heading's subheadings as the
        model does, so the mixture is one distribution over subheadings with consistent marginals."""
        alpha = float(self.knn_weight)
        ch, hd, sb = self.chapter_, self.heading_, self.subheading_
        sims = (q @ self.knn_t_).tocsr()
        p_s, p_h, p_c = np.exp(lp_s), np.exp(lp_h), np.exp(lp_ch)
        vote = np.zeros_like(p_s)
        for i in range(q.shape[0]):
            lo, hi = sims.indptr[i], sims.indptr[i + 1]
            if hi == lo:
                continue
            data, cols = sims.data[lo:hi], sims.indices[lo:hi]
            top = np.argpartition(-data, min(self.knn_k, len(data)) - 1)[: self.knn_k]
            rows, weight = cols[top], data[top] ** 3
            idx, lvl = self.knn_index_[rows], self.knn_level_[rows]
            ok = idx >= 0
            if not ok.any():
                continue
            w_s = np.bincount(idx[ok & (lvl == 6)], weight[ok & (lvl == 6)], minlength=len(sb.classes))
            w_h = np.bincount(idx[ok & (lvl == 4)], weight[ok & (lvl == 4)], minlength=len(hd.classes))
            w_c = np.bincount(idx[ok & (lvl == 2)], weight[ok & (lvl == 2)], minlength=len(ch.classes))
            spread_h = (w_h / np.maximum(p_h[i], 1e-12))[sb.parent_index]
            spread_c = (w_c / np.maximum(p_c[i], 1e-12))[hd.parent_index][sb.parent_index]
            v = w_s + (spread_h + spread_c) * p_s[i]
            total = v.sum()
            if total > 0:
                vote[i] = v / total
            else:
                vote[i] = p_s[i]
        has_vote = vote.sum(axis=1) > 0
        vote[~has_vote] = p_s[~has_vote]
        mixed = (1 - alpha) * p_s + alpha * vote
        m_h = np.zeros_like(p_h)
        m_h[:, sb.parent_index[sb.starts]] = np.add.reduceat(mixed, sb.starts, axis=1)
        m_c = np.zeros_like(p_c)
        m_c[:, hd.parent_index[hd.starts]] = np.add.reduceat(m_h, hd.starts, axis=1)
        with np.errstate(divide="ignore"):
            return np.log(np.maximum(m_c, 1e-30)), np.log(np.maximum(m_h, 1e-30)), np.log(np.maximum(mixed, 1e-30))

    def _fit_vague(self, matrix: sp.csr_matrix, vague_texts: Sequence[str]) -> LogisticRegression | None:
        if len(vague_texts) < 10:
            return None
        vague = self.vectorizer_.transform([normalise(t)[:MAX_TEXT_CHARS] for t in vague_texts])
        rng = np.random.default_rng(self.random_state)
        negatives = matrix[rng.choice(matrix.shape[0], size=min(matrix.shape[0], 3 * vague.shape[0]), replace=False)]
        x = sp.vstack([vague, negatives]).tocsr()
        y = np.r_[np.ones(vague.shape[0]), np.zeros(negatives.shape[0])]
        clf = LogisticRegression(C=2.0, max_iter=500, class_weight="balanced")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(x, y)
        return clf

    # --- scoring ----------------------------------------------------------------------------------------------
    def _transform(self, X: Sequence[str]) -> tuple[list[str], sp.csr_matrix]:
        texts = [normalise(str(x) if x is not None else "")[:MAX_TEXT_CHARS] for x in X]
        return texts, self.vectorizer_.transform(texts)

    def _log_probs(self, q: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Joint log-probabilities of chapters, headings and subheadings (consistent marginals)."""
        t_ch, t_h, t_s = self.temperatures_
        ch, hd, sb = self.chapter_, self.heading_, self.subheading_
        lp_ch = _group_log_softmax(ch.scores(q) / t_ch, ch.starts, ch.sizes)
        lp_h = lp_ch[:, hd.parent_index] + _group_log_softmax(hd.scores(q) / t_h, hd.starts, hd.sizes)
        lp_s = lp_h[:, sb.parent_index] + _group_log_softmax(sb.scores(q) / t_s, sb.starts, sb.sizes)
        if getattr(self, "knn_weight", 0.0) > 0 and hasattr(self, "knn_t_"):  # older artefacts lack it
            return self._knn_mix(q, lp_ch, lp_h, lp_s)
        return lp_ch, lp_h, lp_s

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        check_is_fitted(self, "subheading_")
        out = []
        for start in range(0, len(X), 256):
            _texts, q = self._transform(X[start:start + 256])
            out.append(np.exp(self._log_probs(q)[2]))
        return np.vstack(out) if out else np.zeros((0, len(self.classes_)))

    def predict(self, X: Sequence[str]) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]  # type: ignore[no-any-return]

    def rank(self, X: Sequence[str], k: int = 3) -> list[tuple[list[str], list[str], list[str]]]:
        """Top-k codes per level for each text (for evaluation): (chapters, headings, subheadings)."""
        check_is_fitted(self, "subheading_")
        out = []
        for start in range(0, len(X), 256):
            _texts, q = self._transform(X[start:start + 256])
            levels = self._log_probs(q)
            for i in range(q.shape[0]):
                out.append(tuple(  # type: ignore[arg-type]
                    [str(c) for c in lvl.classes[np.argsort(-lp[i])[:k]]]
                    for lvl, lp in zip((self.chapter_, self.heading_, self.subheading_), levels, strict=True)))
        return out

    def suggest(self, X: Sequence[str], k: int = 3, *, explain: bool = True, neighbours: int = 3,
                truncated: Sequence[bool] | None = None) -> list[Prediction]:
        """Top-k suggestions with confidences and explanations; never raises on odd text."""
        check_is_fitted(self, "subheading_")
        k = max(1, min(int(k), 20))
        result: list[Prediction] = []
        for start in range(0, len(X), 256):
            chunk = X[start:start + 256]
            texts, q = self._transform(chunk)
            lp_ch, lp_h, lp_s = self._log_probs(q)
            vague = (self.vague_.predict_proba(q)[:, 1] if self.vague_ is not None
                     else np.zeros(len(texts)))
            for i, text in enumerate(texts):
                cut = bool(truncated[start + i]) if truncated is not None else False
                result.append(self._one(text, q[i], lp_ch[i], lp_h[i], lp_s[i], float(vague[i]), k, explain,
                                        neighbours if explain else 0, cut))
        return result

    def _one(self, text: str, q: sp.csr_matrix, lp_ch: np.ndarray, lp_h: np.ndarray, lp_s: np.ndarray,
             vague: float, k: int, explain: bool, n_neigh: int, truncated: bool) -> Prediction:
        reasons = ["truncated"] if truncated else []
        info = facts(text)
        if not text:
            return Prediction(text, (), True, ("empty",))
        if not info.supported:
            return Prediction(text, (), True, (*reasons, "unsupported_script"))
        if q.nnz == 0:
            return Prediction(text, (), True, (*reasons, "no_known_words"))
        desc = self.descriptions or {}
        ch, hd, sb = self.chapter_, self.heading_, self.subheading_
        p_ch, p_h = np.exp(lp_ch), np.exp(lp_h)
        ch_pos, hd_pos = self._positions()
        suggestions = []
        for j in np.argsort(-lp_s)[:k]:
            code = str(sb.classes[j])
            cj, hj = ch_pos.get(code[:2]), hd_pos.get(code[:4])
            evidence: tuple[tuple[str, float], ...] = ()
            if explain and cj is not None and hj is not None:
                evidence = self._evidence(q, cj, hj, int(j), text)
            suggestions.append(Suggestion(
                code, float(np.exp(lp_s[j])), code[:2], float(p_ch[cj]) if cj is not None else 0.0, code[:4],
                float(p_h[hj]) if hj is not None else 0.0, desc.get(code, ""), desc.get(code[:4], ""),
                desc.get(code[:2], ""), evidence))
        neighbours = self._neighbours(q, [s.code for s in suggestions], n_neigh) if n_neigh > 0 else ()
        if vague >= VAGUE:
            reasons.append("vague")
        if suggestions and suggestions[0].confidence < LOW_CONFIDENCE:
            reasons.append("low_confidence")
        chapters = tuple((str(ch.classes[j]), float(p_ch[j])) for j in np.argsort(-lp_ch)[:k])
        headings = tuple((str(hd.classes[j]), float(p_h[j])) for j in np.argsort(-lp_h)[:k])
        needs = any(r in ("vague", "low_confidence") for r in reasons)
        return Prediction(text, tuple(suggestions), needs, tuple(reasons), vague, neighbours, chapters, headings)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()  # type: ignore[misc]
        return {k: v for k, v in state.items() if k not in ("_heading_rows_cache", "_positions_cache")}

    def _neighbours(self, q: sp.csr_matrix, codes: list[str], n: int) -> tuple[Neighbour, ...]:
        """The closest training examples filed under the suggested headings (what a broker can compare with)."""
        cache: dict[str, sp.csr_matrix] = self.__dict__.setdefault("_heading_rows_cache", {})
        dense = np.zeros(self.train_matrix_.shape[1], dtype=np.float32)
        dense[q.indices] = q.data
        parts, sims_parts = [], []
        for head in dict.fromkeys(c[:4] for c in codes):
            group = self.rows_by_heading_.get(head)
            if group is None:
                continue
            if head not in cache:
                cache[head] = self.train_matrix_[group]
            parts.append(group)
            sims_parts.append(np.asarray(cache[head] @ dense).ravel())
        if not parts:
            return ()
        rows, sims = np.concatenate(parts), np.concatenate(sims_parts)
        out: list[Neighbour] = []
        for j in np.argsort(-sims):
            if sims[j] <= 0 or len(out) >= n:
                break
            row = int(rows[j])
            cand = Neighbour(self.train_texts_[row], str(self.train_codes_[row]), float(sims[j]))
            if all(o.text != cand.text for o in out):
                out.append(cand)
        return tuple(out)

    def _positions(self) -> tuple[dict[str, int], dict[str, int]]:
        cached = getattr(self, "_positions_cache", None)
        if cached is None:
            cached = ({str(c): j for j, c in enumerate(self.chapter_.classes)},
                      {str(c): j for j, c in enumerate(self.heading_.classes)})
            self._positions_cache = cached
        return cached

    def _evidence(self, q: sp.csr_matrix, cj: int, hj: int, sj: int, text: str = "",
                  top: int = 6) -> tuple[tuple[str, float], ...]:
        """The input's words (Latin script) or n-grams (Chinese) with the largest contribution to this code's
        score over all three levels; character n-grams of a word are summed into that word."""
        words = text.split()
        t_ch, t_h, t_s = self.temperatures_
        cols = q.indices
        order_cols = np.argsort(cols)
        cols, values = cols[order_cols], q.data[order_cols]
        w = (self.chapter_.gather(cj, cols) / t_ch + self.heading_.gather(hj, cols) / t_h
             + self.subheading_.gather(sj, cols) / t_s)
        contrib = values * w
        summed: dict[str, float] = {}
        for o in np.argsort(-contrib)[: top * 6]:
            if contrib[o] <= 0:
                break
            gram = str(self.feature_names_[cols[o]]).strip()  # ' 手机', '手机 ' and '手机' are one piece
            cjk = any("\u4e00" <= ch <= "\u9fff" for ch in gram)
            if not cjk:
                gram = next((w.strip(".,;:|()[]") for w in words if gram in w), gram)
            if len(gram) >= 2 or cjk:
                summed[gram] = summed.get(gram, 0.0) + float(contrib[o])
        grams = sorted(((g, round(w, 4)) for g, w in summed.items()), key=lambda gw: -gw[1])
        # keep the longest readable pieces: drop an n-gram contained in another one that also decided
        out = [(g, w) for g, w in grams if not any(g != h and g in h for h, _ in grams)]
        return tuple(out[:top])
