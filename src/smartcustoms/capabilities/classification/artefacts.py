"""Versioned model artefacts (模型制品) under `<data_dir>/models/hs/<version>/`: `model.joblib` + `card.json` +
`card.md`; the file `CURRENT` names the version in use. Loaded models are cached per data directory."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib

from smartcustoms.ml.hs_text.model import HSTextClassifier

_CACHE: dict[Path, tuple[str, HSTextClassifier]] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Artefact:
    version: str
    path: Path
    card: dict[str, Any]


class ModelStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = (data_dir / "models" / "hs").resolve()

    def current_version(self) -> str | None:
        pointer = self.root / "CURRENT"
        if not pointer.is_file():
            return None
        version = pointer.read_text(encoding="utf-8").strip()
        return version if (self.root / version / "model.joblib").is_file() else None

    def card(self, version: str) -> dict[str, Any]:
        return dict(json.loads((self.root / version / "card.json").read_text(encoding="utf-8")))

    def current(self) -> Artefact | None:
        pointer = self.root / "CURRENT"
        version = pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None
        if not version or not (self.root / version / "card.json").is_file():
            return None
        return Artefact(version, self.root / version, self.card(version))

    def new_version(self, now: datetime) -> str:
        base = "hs-" + now.strftime("%Y%m%dT%H%M%SZ")
        version, n = base, 1
        while (self.root / version).exists():
            n += 1
            version = f"{base}-{n}"
        return version

    def save(self, version: str, model: HSTextClassifier, card: dict[str, Any]) -> Artefact:
        path = self.root / version
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(model, path / "model.joblib", compress=3)
        card = {**card, "version": version}
        (path / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        (path / "card.md").write_text(card_markdown(card), encoding="utf-8")
        return Artefact(version, path, card)

    def promote(self, version: str, model: HSTextClassifier | None = None) -> None:
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(version, encoding="utf-8")
        os.replace(tmp, self.root / "CURRENT")
        with _LOCK:
            if model is not None:
                _CACHE[self.root] = (version, model)
            else:
                _CACHE.pop(self.root, None)

    def load(self) -> tuple[str, HSTextClassifier] | None:
        pointer = self.root / "CURRENT"
        if not pointer.is_file():
            return None
        version = pointer.read_text(encoding="utf-8").strip()
        with _LOCK:
            cached = _CACHE.get(self.root)
            if cached is not None and cached[0] == version:
                return cached
            if not (self.root / version / "model.joblib").is_file():
                return None
            model = joblib.load(self.root / version / "model.joblib")
            _CACHE[self.root] = (version, model)
            return version, model

    def install(self, version: str, model: HSTextClassifier, card: dict[str, Any]) -> None:
        """Make an in-memory model current without writing it (tests): only the card and the pointer."""
        path = self.root / version
        path.mkdir(parents=True, exist_ok=True)
        (path / "card.json").write_text(json.dumps({**card, "version": version}, default=str), encoding="utf-8")
        self.promote(version, model)


def card_markdown(card: dict[str, Any]) -> str:
    lines = [f"# HS text classifier {card.get('version')}", "",
             f"- created_at: {card.get('created_at')}", f"- training time: {card.get('training_seconds')} s",
             f"- examples: {card.get('n_examples')} · subheadings: {card.get('n_subheadings')}", "",
             "## Data sources (never HSCodeComp, which is test-only)", ""]
    lines += [f"- {k}: {v}" for k, v in sorted(card.get("data_sources", {}).items())]
    lines += ["", "## Metrics", "", "| set | n | ch top1 | ch top3 | hd top1 | hd top3 | sub top1 | sub top3 |",
              "|---|---|---|---|---|---|---|---|"]
    for name, m in card.get("metrics", {}).items():
        lines.append(f"| {name} | {int(m.get('n', 0))} | " + " | ".join(
            f"{100 * m.get(f'{lvl}_top{k}', 0):.1f}" for lvl in ("chapter", "heading", "subheading") for k in (1, 3))
            + " |")
    lines += ["", "Calibration of the top-1 subheading confidence (ECE: expected calibration error, 10 bins):", ""]
    for name, m in card.get("metrics", {}).items():
        if "top1_ece" in m:
            lines.append(f"- {name}: ECE {m['top1_ece']:.3f}, mean confidence {100 * m['top1_mean_confidence']:.1f} %, "
                         f"accuracy {100 * m['top1_accuracy']:.1f} %")
    lines += ["", "## Parameters", "", "```", json.dumps(card.get("params", {}), indent=1), "```", ""]
    return "\n".join(lines)
