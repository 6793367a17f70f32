"""The risk model: LightGBM, two heads (illicit yes/no, and recovered revenue given illicit), one ranking score.

``expected_revenue = P(illicit) × E[revenue | illicit]`` ranks declarations for revenue; the policy's score in
[0, 1) is the monotone ``e / (e + scale)`` with `scale` the median expected revenue of the training frauds, so
ranks are preserved. `PlainGBM` is the baseline: the same learner on the raw declared fields only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np

from smartcustoms.ml.risk.features import FEATURES, FeatureBuilder, raw_matrix
from smartcustoms.ml.risk.synthetic import TradeSet


def lgb_params(seed: int, n_jobs: int = 2, n_estimators: int = 300) -> dict[str, Any]:
    return {"n_estimators": n_estimators, "learning_rate": 0.05, "num_leaves": 31, "min_child_samples": 20,
            "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.8, "reg_lambda": 1.0,
            "random_state": seed, "n_jobs": n_jobs, "verbose": -1, "deterministic": True, "force_row_wise": True}


@dataclass
class PlainGBM:
    """Baseline: gradient boosting on raw fields (ids and codes as plain numbers), classifier only."""

    seed: int = 0
    n_estimators: int = 300
    n_jobs: int = 2
    model_: Any = None

    def fit(self, data: TradeSet) -> PlainGBM:
        self.model_ = lgb.LGBMClassifier(**lgb_params(self.seed, self.n_jobs, self.n_estimators))
        self.model_.fit(raw_matrix(data), data["illicit"])
        return self

    def score(self, data: TradeSet) -> np.ndarray:
        return np.asarray(self.model_.predict_proba(raw_matrix(data))[:, 1])


@dataclass
class RiskModel:
    seed: int = 0
    n_estimators: int = 300
    n_jobs: int = 2
    features_: FeatureBuilder = field(default_factory=FeatureBuilder)
    classifier_: Any = None
    regressor_: Any = None
    scale_: float = 1.0

    def fit(self, train: TradeSet) -> RiskModel:
        self.features_ = FeatureBuilder().fit(train)
        x = self.features_.transform(train)
        y = train["illicit"].astype(int)
        self.classifier_ = lgb.LGBMClassifier(**lgb_params(self.seed, self.n_jobs, self.n_estimators))
        self.classifier_.fit(x, y)
        frauds = y == 1
        self.regressor_ = lgb.LGBMRegressor(**lgb_params(self.seed + 1, self.n_jobs, self.n_estimators // 2))
        if frauds.sum() >= 20:
            self.regressor_.fit(x[frauds], np.log1p(train["revenue"][frauds]))
        else:  # too few frauds to learn amounts: a constant
            self.regressor_ = None
        exp = self._expected(x)[frauds]
        self.scale_ = float(np.median(exp)) if len(exp) else 1.0
        return self

    def _expected(self, x: np.ndarray) -> np.ndarray:
        p = self.classifier_.predict_proba(x)[:, 1]
        amount = np.expm1(self.regressor_.predict(x)) if self.regressor_ is not None else np.ones(len(x))
        return np.asarray(p * np.maximum(amount, 0.0))

    def predict_proba(self, data: TradeSet) -> np.ndarray:
        return np.asarray(self.classifier_.predict_proba(self.features_.transform(data))[:, 1])

    def expected_revenue(self, data: TradeSet) -> np.ndarray:
        return self._expected(self.features_.transform(data))

    def score(self, data: TradeSet) -> np.ndarray:
        """Risk score in [0, 1), monotone in expected revenue (what the selection policy ranks on)."""
        e = self.expected_revenue(data)
        return e / (e + self.scale_)

    def top_reasons(self, data: TradeSet, k: int = 3) -> list[list[tuple[str, float]]]:
        """The k features that pushed each row's illicit log-odds up most (LightGBM SHAP contributions)."""
        contrib = self.classifier_.predict(self.features_.transform(data), pred_contrib=True)
        contrib = np.asarray(contrib)[:, : len(FEATURES)]
        order = np.argsort(-contrib, axis=1)[:, :k]
        return [[(FEATURES[j], float(contrib[i, j])) for j in row] for i, row in enumerate(order)]
