"""Ports of the imaging capability.

- ``imaging.analyser`` (provided here): an `AnalyserHolder` whose `get()` is the active scan assistant
  (`ml.scan.analyser.ScanAnalyser`) or None when no model has been trained (or the current one was trained with an
  older feature list: train again); `smartcustoms imaging train|retrain`
  write ``<data_dir>/models/imaging/<version>/`` and point ``current`` at the version in use.
- ``risk.reviewer_draw`` (optional, from risk): `draw(conn, declaration_id, label, candidates, at)` → the
  reviewer drawn with the seed of the batch that selected the declaration (recorded in that batch's published
  outcome), or None. Without it, or without a draw, the least-loaded on-duty reviewer (domain.least_loaded) —
  recorded as such, never called random. See `assignment.py`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

ANALYSER = "imaging.analyser"


def model_root(data_dir: Path) -> Path:
    return data_dir / "models" / "imaging"


class AnalyserHolder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._model: Any = None
        self._loaded_version: str | None = None
        self._lock = threading.Lock()

    def current_version(self) -> str | None:
        pointer = self.root / "current"
        return pointer.read_text(encoding="utf-8").strip() if pointer.exists() else None

    def get(self) -> Any:
        version = self.current_version()
        if version is None:
            return self._model  # one set in-process (tests), or None
        with self._lock:
            if version != self._loaded_version:
                from smartcustoms.ml.scan.analyser import ScanAnalyser

                try:
                    self._model = ScanAnalyser.load(self.root / version)
                except ValueError:  # trained with an older feature list: scans wait unanalysed until retrained
                    self._model = None
                self._loaded_version = version
            return self._model

    def set(self, model: Any) -> None:
        """Use this model in-process (tests, the bench) without touching the artefact folder."""
        with self._lock:
            self._model, self._loaded_version = model, self.current_version()
