"""`make run` calls `imaging train --if-missing`: a model already in use is kept (no minute of training on every
start) and its version is named; a model this code cannot load (trained with another feature list) is replaced,
so the demo's scans are analysed after an upgrade; so is a damaged one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from smartcustoms.cli.main import app

TRAIN = ["imaging", "train", "--scans", "4", "--test", "2", "--px-mm", "40", "--if-missing"]


def test_train_if_missing_replaces_a_stale_model_and_keeps_a_usable_one(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_DATA_DIR", str(tmp_path))
    root = tmp_path / "models" / "imaging"
    stale = root / "imaging-stale"
    stale.mkdir(parents=True)
    (stale / "meta.json").write_text(json.dumps({"patch_features": ["mean"], "signature_features": []}),
                                     encoding="utf-8")
    (root / "current").write_text("imaging-stale", encoding="utf-8")

    first = CliRunner().invoke(app, TRAIN)
    assert first.exit_code == 0, first.output
    trained = (root / "current").read_text(encoding="utf-8")
    assert trained != "imaging-stale" and (root / trained / "detector.txt").exists()

    second = CliRunner().invoke(app, TRAIN)
    assert second.exit_code == 0, second.output
    assert trained in second.output and "not retrained" in second.output
    assert sorted(p.name for p in root.iterdir()) == sorted(["current", "imaging-stale", trained])


def test_train_if_missing_retrains_when_the_model_in_use_is_damaged(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_DATA_DIR", str(tmp_path))
    root = tmp_path / "models" / "imaging"
    root.mkdir(parents=True)
    (root / "current").write_text("imaging-gone", encoding="utf-8")  # its folder was lost

    result = CliRunner().invoke(app, TRAIN)
    assert result.exit_code == 0, result.output
    trained = (root / "current").read_text(encoding="utf-8")
    assert trained != "imaging-gone" and (root / trained / "detector.txt").exists()
