"""`make run` calls `imaging train --if-missing`: a model already in use is kept (no minute of training on every
start), and its version is named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from smartcustoms.cli.main import app


def test_train_if_missing_keeps_the_model_in_use(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("SMARTCUSTOMS_DATA_DIR", str(tmp_path))
    root = tmp_path / "models" / "imaging"
    root.mkdir(parents=True)
    (root / "current").write_text("imaging-in-use", encoding="utf-8")
    out = CliRunner().invoke(app, ["imaging", "train", "--scans", "4", "--test", "2", "--if-missing"])
    assert out.exit_code == 0, out.output
    assert "imaging-in-use" in out.output and "not retrained" in out.output
    assert sorted(p.name for p in root.iterdir()) == ["current"]  # nothing trained, nothing written
