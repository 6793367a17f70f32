"""`DeclarationScorer`: the risk model (smartcustoms.ml.risk) on live declaration dicts (INTEGRATION.md §6).

Each goods item becomes one row of the model's `TradeSet` columns; a declaration's score is its riskiest item's,
its top reasons that item's. Mapping (deterministic, no randomness):

- ids → the model's integer codes through **encoders saved with the artefact** (``encoders.json``: importer,
  declarant, country, hs6). An id the encoder does not know maps to the *unseen* bucket (importer/declarant −1,
  country 999, HS-6 one past the tariff schedule), which has no history: its risk profile is the smoothed prior
  (rate 0, count 0) and the value z-scores are missing — the model was trained with such new traders.
- Importer / declarant risk profiles come from the model's own training history only (decision: keep it simple;
  the platform's inspection outcomes enter by retraining on them, `smartcustoms risk train`). A model trained on
  the synthetic set knows no real enterprise, so every live trader is unseen until then.
- cif = the item's declared value (declared currency, no conversion), quantity = its quantity, gross weight = the
  declaration's gross weight by value share, fob = 0.85 × cif (the training mean: FOB is not declared per item),
  taxes = cif × the MFN rate of the HS line (no preference claimed), credit grade from the declaration.
- Rows sit at the month after the training months: they see the whole training history, never their own labels.

`scorer_for(data_dir)` loads the current artefact (the newest ``<data_dir>/models/risk/<version>/``) once and
caches it per data dir and version; without one it is `NoModel`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from smartcustoms.capabilities.risk.domain.selection import Candidate
from smartcustoms.capabilities.risk.messages import MESSAGES
from smartcustoms.capabilities.risk.screening import NoModel, Scorer
from smartcustoms.ml.risk import artefact
from smartcustoms.ml.risk.model import RiskModel
from smartcustoms.ml.risk.synthetic import GRADES, TradeSet

ENCODERS = "encoders.json"
ENCODER_KEYS = ("importer", "declarant", "country", "hs6")
UNSEEN_PARTY = -1
UNSEEN_COUNTRY = 999  # < 1000: the HS-6 × country key stays unique
FOB_SHARE = 0.85
TOP_K = 3
SYNTHETIC_COUNTRIES = (
    "AE", "AR", "AU", "BD", "BE", "BR", "CA", "CH", "CL", "CN", "CZ", "DE", "DK", "EG", "ES", "FI", "FR", "GB", "GR",
    "HK", "HU", "ID", "IE", "IL", "IN", "IT", "JP", "KH", "KR", "KZ", "LA", "MM", "MX", "MY", "NG", "NL", "NO", "NZ",
    "PE", "PH", "PK", "PL", "PT", "RU", "SA", "SE", "SG", "TH", "TR", "TW", "UA", "US", "UZ", "VN", "ZA", "AT", "CO",
    "KE", "MA")
"""Country codes for a model trained on the synthetic set (countries 1…59; 0 is its transit hub): a fixed list, so
the same code always gets the same integer. A model trained on real outcomes saves its own encoder."""
_GRADE_INDEX = {g: i for i, g in enumerate(GRADES)} | {"seriously_dishonest": GRADES.index("dishonest")}


def models_root(data_dir: Path | str) -> Path:
    return Path(data_dir) / "models" / "risk"


def current_artefact(data_dir: Path | str) -> Path | None:
    """The newest artefact folder (by its meta.json's mtime, as the risk dashboard shows it), None if none."""
    root = models_root(data_dir)
    metas = sorted(root.glob("*/meta.json"), key=lambda p: (p.stat().st_mtime, p.parent.name)) if root.is_dir() else []
    return metas[-1].parent if metas else None


def save_encoders(folder: Path, encoders: Mapping[str, Mapping[str, int]]) -> None:
    data = {k: dict(sorted(encoders.get(k, {}).items())) for k in ENCODER_KEYS}
    (folder / ENCODERS).write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")


def synthetic_encoders(data: TradeSet) -> dict[str, dict[str, int]]:
    """Encoders for a model trained on the synthetic set: HS-6 codes from its tariff codes, the fixed country
    list; no importer or declarant (synthetic traders are not platform enterprises: live ones are unseen)."""
    hs6 = {f"{int(code) // 10_000:06d}": int(i) for code, i in zip(data["tariff_code"], data["hs6"], strict=True)}
    countries = {code: i + 1 for i, code in enumerate(SYNTHETIC_COUNTRIES)}
    return {"importer": {}, "declarant": {}, "country": countries, "hs6": hs6}


def load_encoders(folder: Path) -> dict[str, dict[str, int]]:
    path = folder / ENCODERS
    raw = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {k: {str(a): int(b) for a, b in raw.get(k, {}).items()} for k in ENCODER_KEYS}


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return default


class DeclarationScorer:
    """A `Scorer` over one loaded artefact. Thread-safe for reads (nothing is mutated after construction)."""

    def __init__(self, model: RiskModel, encoders: Mapping[str, Mapping[str, int]], model_version: str) -> None:
        self.model = model
        self.model_version = model_version
        self.encoders = {k: dict(encoders.get(k, {})) for k in ENCODER_KEYS}
        fb = model.features_
        assert fb.mfn_ is not None
        self.unseen_hs = len(fb.mfn_)
        # the unseen HS bucket needs a tariff rate: the schedule's median (a copy: the artefact stays as saved)
        fb.mfn_ = np.append(fb.mfn_[: self.unseen_hs], float(np.median(fb.mfn_)))

    @classmethod
    def load(cls, folder: Path) -> DeclarationScorer:
        model, meta = artefact.load(folder)
        return cls(model, load_encoders(folder), str(meta.get("version", folder.name)))

    def _code(self, kind: str, value: Any, unseen: int) -> int:
        return self.encoders[kind].get(str(value or ""), unseen)

    def rows(self, declarations: Sequence[Mapping[str, Any]]) -> tuple[TradeSet, list[int]]:
        """The model's columns, one row per goods item (a declaration without items: one empty row), and the
        declaration index of each row."""
        fb = self.model.features_
        assert fb.mfn_ is not None
        cols: dict[str, list[float]] = {k: [] for k in ("cif", "fob", "quantity", "gross_weight", "taxes", "hs6",
                                                         "country", "shipped_from", "grade", "importer",
                                                         "declarant", "office", "containerised", "tariff_code")}
        owner: list[int] = []
        for n, decl in enumerate(declarations):
            items = list(decl.get("items") or ()) or [{}]
            total = sum(_num(i.get("value")) for i in items) or 1.0
            weight = _num(decl.get("gross_weight"))
            shipped = decl.get("departure_country") or decl.get("trade_country") or decl.get("origin")
            for item in items:
                hs_code = "".join(ch for ch in str(item.get("hs_code", "")) if ch.isdigit())
                hs = self._code("hs6", hs_code[:6], self.unseen_hs)
                cif = max(_num(item.get("value")), 0.01)
                cols["cif"].append(cif)
                cols["fob"].append(cif * FOB_SHARE)
                cols["quantity"].append(max(_num(item.get("quantity"), 1.0), 1.0))
                cols["gross_weight"].append(max(weight * cif / total, 0.01) if weight else 0.01)
                cols["taxes"].append(cif * float(fb.mfn_[hs]))
                cols["hs6"].append(hs)
                cols["country"].append(self._code("country", item.get("origin") or decl.get("origin"),
                                                  UNSEEN_COUNTRY))
                cols["shipped_from"].append(self._code("country", shipped, UNSEEN_COUNTRY))
                cols["grade"].append(_GRADE_INDEX.get(str(decl.get("grade", "general")), 2))
                cols["importer"].append(self._code("importer", decl.get("enterprise_id"), UNSEEN_PARTY))
                cols["declarant"].append(self._code("declarant", decl.get("agent_id"), UNSEEN_PARTY))
                cols["office"].append(0)
                cols["containerised"].append(1.0 if decl.get("containerised", True) else 0.0)
                cols["tariff_code"].append(int(hs_code[:10] or 0))
                owner.append(n)
        arrays = {k: np.asarray(v, dtype=np.float64) for k, v in cols.items()}
        for k in ("hs6", "country", "shipped_from", "grade", "importer", "declarant", "office", "tariff_code"):
            arrays[k] = arrays[k].astype(np.int64)
        arrays["month"] = np.full(len(owner), fb.train_months_, dtype=np.int64)
        return TradeSet(arrays, fb.mfn_, fb.train_months_ + 1), owner

    def score(self, declarations: Sequence[Mapping[str, Any]]) -> list[tuple[float, tuple[tuple[str, str], ...]]]:
        if not declarations:
            return []
        data, owner = self.rows(declarations)
        scores = np.clip(self.model.score(data), 0.0, 1.0)
        reasons = self.model.top_reasons(data, TOP_K)
        best: dict[int, int] = {}
        for row, n in enumerate(owner):  # the riskiest item; the first one on ties
            if n not in best or scores[row] > scores[best[n]]:
                best[n] = row
        out = []
        for n in range(len(declarations)):
            top = reasons[best[n]]
            pushing = [(name, value) for name, value in top if value > 0] or top[:1]
            out.append((float(scores[best[n]]), tuple((name, f"{value:.4f}") for name, value in pushing)))
        return out


def explain_reasons(candidate: Candidate) -> list[dict[str, Any]]:
    """The model's score and top reasons as one decision reason (stored with the decision, shown on the
    declaration's page), feature labels in both languages; none without a model."""
    if not candidate.model_version or not candidate.explain:
        return []
    names = [name for name, _ in candidate.explain]
    label = {loc: ", ".join(MESSAGES.get(f"risk.feature.{n}", {}).get(loc, n) for n in names)
             for loc in ("zh-CN", "en")}
    return [{"key": "risk.reason.model_explain",
             "params": {"model": candidate.model_version, "score": candidate.score, "features": ", ".join(names),
                        "features_zh": label["zh-CN"], "features_en": label["en"]}}]


_cache: dict[str, tuple[str, Scorer]] = {}
_lock = threading.Lock()


def scorer_for(data_dir: Path | str) -> Scorer:
    """The current artefact's scorer, loaded once per data dir (again only when a newer artefact appears);
    `NoModel` when none was trained or the artefact cannot be read."""
    folder = current_artefact(data_dir)
    if folder is None:
        return NoModel()
    key = str(Path(data_dir).resolve())
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == folder.name:
            return cached[1]
        try:
            scorer: Scorer = DeclarationScorer.load(folder)
        except (OSError, ValueError, KeyError):
            return NoModel()
        _cache[key] = (folder.name, scorer)
        return scorer
