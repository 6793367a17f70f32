"""DATE-style features (domain/risk.md §3.3–3.4), computed without ever looking at a row's own label.

- Value features: unit value, value per kg, tax ratio, unit tax, FOB/CIF ratio, weight per unit (logs).
- History features: the row's log unit value as a z-score against the same HS-6 × origin (and HS-6) in the
  training history, value per kg and weight per unit against the HS-6 history; how common the HS-6 × origin
  pair is; origin ≠ shipped-from; the tariff preference the declared origin claims (public schedule).
- Risk profiles (``RiskH`` in spirit, smoothed target encodings Σ illicit / (n + 10) and Σ revenue / (n + 10))
  for importer, declarant, HS-6, origin and HS-6 × origin, **from earlier months only**: a training row of month
  m sees months < m; a later (test) row sees the training months, never its own month.
- The importer's credit grade (known to customs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from smartcustoms.ml.risk.synthetic import TradeSet

SMOOTH = 10.0
PROFILE_KEYS = ("importer", "declarant", "hs6", "country", "hs6_country")
VALUE_FEATURES = ("log_cif", "log_qty", "log_weight", "log_taxes", "log_unit_value", "log_value_per_kg",
                  "tax_ratio", "log_unit_tax", "face_ratio", "log_weight_per_unit")
HISTORY_FEATURES = ("uv_z_hs_origin", "uv_z_hs", "vpk_z_hs", "wpu_z_hs", "pair_count", "origin_ne_shipped",
                    "transit_hub", "preference_margin", "grade")
FEATURES = VALUE_FEATURES + HISTORY_FEATURES + tuple(
    f"{k}_{s}" for k in PROFILE_KEYS for s in ("rate", "revenue", "count"))
RAW_FIELDS = ("cif", "fob", "quantity", "gross_weight", "taxes", "tariff_code", "country", "shipped_from", "office",
              "importer", "declarant", "containerised")


def key_of(data: TradeSet, name: str) -> np.ndarray:
    if name == "hs6_country":
        return data["hs6"].astype(np.int64) * 1000 + data["country"].astype(np.int64)
    return data[name].astype(np.int64)


def raw_matrix(data: TradeSet) -> np.ndarray:
    """The plain baseline's input: declared fields as numbers, nothing engineered."""
    return np.column_stack([data[f].astype(np.float64) for f in RAW_FIELDS])


def _value_columns(data: TradeSet) -> dict[str, np.ndarray]:
    cif = np.maximum(data["cif"].astype(np.float64), 0.01)
    qty = np.maximum(data["quantity"].astype(np.float64), 1.0)
    weight = np.maximum(data["gross_weight"].astype(np.float64), 0.01)
    taxes = data["taxes"].astype(np.float64)
    return {"log_cif": np.log(cif), "log_qty": np.log(qty), "log_weight": np.log(weight),
            "log_taxes": np.log1p(taxes), "log_unit_value": np.log(cif / qty), "log_value_per_kg": np.log(cif / weight),
            "tax_ratio": taxes / cif, "log_unit_tax": np.log1p(taxes / qty), "face_ratio": data["fob"] / cif,
            "log_weight_per_unit": np.log(weight / qty)}


@dataclass
class _Stats:
    keys: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    count: np.ndarray

    @classmethod
    def of(cls, key: np.ndarray, value: np.ndarray) -> _Stats:
        keys, inv = np.unique(key, return_inverse=True)
        n = np.bincount(inv).astype(np.float64)
        s = np.bincount(inv, weights=value)
        s2 = np.bincount(inv, weights=value * value)
        mean = s / n
        var = np.maximum(s2 / n - mean * mean, 0.0) * n / np.maximum(n - 1, 1)
        return cls(keys, mean, np.sqrt(var), n)

    def lookup(self, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = np.clip(np.searchsorted(self.keys, key), 0, max(len(self.keys) - 1, 0))
        found = (self.keys[pos] == key) if len(self.keys) else np.zeros(len(key), bool)
        return (np.where(found, self.mean[pos], np.nan), np.where(found, self.sd[pos], np.nan),
                np.where(found, self.count[pos], 0.0))

    def z(self, key: np.ndarray, value: np.ndarray, min_count: int = 5) -> np.ndarray:
        mean, sd, n = self.lookup(key)
        ok = (n >= min_count) & (sd > 1e-9)
        return np.where(ok, (value - mean) / np.where(ok, sd, 1.0), np.nan)


@dataclass
class _Profile:
    """Per-month counts, illicit sums and revenue sums of one key, cumulated, for 'earlier months only'."""

    keys: np.ndarray
    cum_n: np.ndarray  # (months + 1, n_keys): row m = totals over months < m
    cum_y: np.ndarray
    cum_r: np.ndarray

    @classmethod
    def of(cls, key: np.ndarray, month: np.ndarray, y: np.ndarray, rev: np.ndarray, months: int) -> _Profile:
        keys, inv = np.unique(key, return_inverse=True)
        shape = (months + 1, len(keys))
        n, s, r = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        np.add.at(n, (month + 1, inv), 1.0)
        np.add.at(s, (month + 1, inv), y)
        np.add.at(r, (month + 1, inv), rev)
        return cls(keys, np.cumsum(n, axis=0), np.cumsum(s, axis=0), np.cumsum(r, axis=0))

    def at(self, key: np.ndarray, before_month: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = np.clip(np.searchsorted(self.keys, key), 0, max(len(self.keys) - 1, 0))
        found = self.keys[pos] == key
        m = np.clip(before_month, 0, self.cum_n.shape[0] - 1)
        n = np.where(found, self.cum_n[m, pos], 0.0)
        s = np.where(found, self.cum_y[m, pos], 0.0)
        r = np.where(found, self.cum_r[m, pos], 0.0)
        return s / (n + SMOOTH), np.log1p(r / (n + SMOOTH)), np.log1p(n)


@dataclass
class FeatureBuilder:
    """fit on the training months; `transform` gives the features of any rows, labels of rows at or after
    `train_months` never used."""

    stats_: dict[str, _Stats] = field(default_factory=dict)
    profiles_: dict[str, _Profile] = field(default_factory=dict)
    train_months_: int = 0
    mfn_: np.ndarray | None = None

    def fit(self, train: TradeSet) -> FeatureBuilder:
        v = _value_columns(train)
        hs = train["hs6"].astype(np.int64)
        self.stats_ = {"uv_hs_origin": _Stats.of(key_of(train, "hs6_country"), v["log_unit_value"]),
                       "uv_hs": _Stats.of(hs, v["log_unit_value"]),
                       "vpk_hs": _Stats.of(hs, v["log_value_per_kg"]),
                       "wpu_hs": _Stats.of(hs, v["log_weight_per_unit"])}
        self.train_months_ = int(train["month"].max()) + 1
        month = train["month"].astype(np.int64)
        y, rev = train["illicit"].astype(np.float64), train["revenue"].astype(np.float64)
        self.profiles_ = {k: _Profile.of(key_of(train, k), month, y, rev, self.train_months_) for k in PROFILE_KEYS}
        self.mfn_ = train.mfn_rate
        return self

    def transform(self, data: TradeSet) -> np.ndarray:
        v = _value_columns(data)
        hs = data["hs6"].astype(np.int64)
        hs_origin = key_of(data, "hs6_country")
        z_pair = self.stats_["uv_hs_origin"].z(hs_origin, v["log_unit_value"])
        z_hs = self.stats_["uv_hs"].z(hs, v["log_unit_value"])
        assert self.mfn_ is not None
        cols = [v[f] for f in VALUE_FEATURES]
        cols += [z_pair, z_hs, self.stats_["vpk_hs"].z(hs, v["log_value_per_kg"]),
                 self.stats_["wpu_hs"].z(hs, v["log_weight_per_unit"]),
                 np.log1p(self.stats_["uv_hs_origin"].lookup(hs_origin)[2]),
                 (data["country"] != data["shipped_from"]).astype(np.float64),
                 (data["shipped_from"] == 0).astype(np.float64),
                 self.mfn_[hs] - v["tax_ratio"], data["grade"].astype(np.float64)]
        # earlier months only: a row of month m sees months < m, and never beyond the training months
        before = np.minimum(data["month"].astype(np.int64), self.train_months_)
        for k in PROFILE_KEYS:
            cols.extend(self.profiles_[k].at(key_of(data, k), before))
        return np.column_stack(cols).astype(np.float32)
