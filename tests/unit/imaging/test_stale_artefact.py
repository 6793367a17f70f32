"""An artefact trained with an older patch-feature list is never applied to today's features: the analyser port
reports no model (scans wait unanalysed until `smartcustoms imaging train|retrain`), loading it directly raises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smartcustoms.capabilities.imaging.ports import AnalyserHolder
from smartcustoms.ml.scan.analyser import ScanAnalyser
from smartcustoms.ml.scan.features import PATCH_FEATURES, SIGNATURE_FEATURES


def test_an_artefact_with_an_older_feature_list_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "imaging-old"
    folder.mkdir()
    meta = {"patch_features": list(PATCH_FEATURES[:19]), "signature_features": list(SIGNATURE_FEATURES),
            "threshold": 0.5, "goods_classes": ["textiles"], "signature_scale": [1.0]}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (tmp_path / "current").write_text("imaging-old", encoding="utf-8")
    with pytest.raises(ValueError, match="feature list"):
        ScanAnalyser.load(folder)
    assert AnalyserHolder(tmp_path).get() is None
