"""Versioned model artefacts (模型制品) with a model card. No pickle: LightGBM text models, numpy arrays in an
``.npz`` (loaded with ``allow_pickle=False``) and JSON metadata, so an artefact can be inspected and diffed.

Layout: ``<root>/<version>/`` with ``classifier.txt``, ``regressor.txt`` (optional), ``features.npz``,
``meta.json`` and ``MODEL_CARD.md``. The version is ``risk-<first 12 hex of SHA-256 over the content>``: the
same training run gives the same version, any change gives another.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from smartcustoms.ml.risk.features import FEATURES, PROFILE_KEYS, FeatureBuilder, _Profile, _Stats
from smartcustoms.ml.risk.model import RiskModel


class _Classifier:
    def __init__(self, booster: lgb.Booster) -> None:
        self.booster_ = booster

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        p = np.asarray(self.booster_.predict(x))
        return np.column_stack([1 - p, p])

    def predict(self, x: np.ndarray, pred_contrib: bool = False) -> np.ndarray:
        return np.asarray(self.booster_.predict(x, pred_contrib=pred_contrib))


class _Regressor:
    def __init__(self, booster: lgb.Booster) -> None:
        self.booster_ = booster

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster_.predict(x))


def _booster_text(est: Any) -> str:
    booster = est.booster_
    return str(booster.model_to_string())


def _arrays(fb: FeatureBuilder) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, s in fb.stats_.items():
        for part in ("keys", "mean", "sd", "count"):
            out[f"stats.{name}.{part}"] = getattr(s, part)
    for name, p in fb.profiles_.items():
        for part in ("keys", "cum_n", "cum_y", "cum_r"):
            out[f"profile.{name}.{part}"] = getattr(p, part)
    assert fb.mfn_ is not None
    out["mfn"] = fb.mfn_
    out["train_months"] = np.array([fb.train_months_])
    return out


def save(model: RiskModel, root: Path, meta: dict[str, Any], card: str) -> tuple[Path, str]:
    classifier = _booster_text(model.classifier_)
    regressor = _booster_text(model.regressor_) if model.regressor_ is not None else ""
    buf = io.BytesIO()
    np.savez_compressed(buf, **_arrays(model.features_))
    features = buf.getvalue()
    digest = hashlib.sha256(classifier.encode() + b"\0" + regressor.encode() + b"\0" + features).hexdigest()
    version = f"risk-{digest[:12]}"
    folder = root / version
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "classifier.txt").write_text(classifier, encoding="utf-8")
    if regressor:
        (folder / "regressor.txt").write_text(regressor, encoding="utf-8")
    (folder / "features.npz").write_bytes(features)
    full = {**meta, "version": version, "sha256": digest, "features": list(FEATURES), "scale": model.scale_}
    (folder / "meta.json").write_text(json.dumps(full, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    (folder / "MODEL_CARD.md").write_text(card.replace("{version}", version), encoding="utf-8")
    return folder, version


def load(folder: Path) -> tuple[RiskModel, dict[str, Any]]:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if meta["features"] != list(FEATURES):
        raise ValueError("artefact was trained with another feature list")
    with np.load(folder / "features.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    fb = FeatureBuilder()
    fb.stats_ = {name: _Stats(*(arrays[f"stats.{name}.{p}"] for p in ("keys", "mean", "sd", "count")))
                 for name in ("uv_hs_origin", "uv_hs", "vpk_hs", "wpu_hs")}
    fb.profiles_ = {name: _Profile(*(arrays[f"profile.{name}.{p}"] for p in ("keys", "cum_n", "cum_y", "cum_r")))
                    for name in PROFILE_KEYS}
    fb.mfn_ = arrays["mfn"]
    fb.train_months_ = int(arrays["train_months"][0])
    model = RiskModel(features_=fb, scale_=float(meta["scale"]))
    model.classifier_ = _Classifier(lgb.Booster(model_str=(folder / "classifier.txt").read_text(encoding="utf-8")))
    reg = folder / "regressor.txt"
    model.regressor_ = _Regressor(lgb.Booster(model_str=reg.read_text(encoding="utf-8"))) if reg.exists() else None
    return model, meta
