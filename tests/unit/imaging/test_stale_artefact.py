"""An artefact trained with an older patch-feature list — or with the same names under an older features version,
when a feature changed its meaning — is never applied to today's features: the analyser port reports no model
(scans wait unanalysed until `smartcustoms imaging train|retrain`), loading it directly raises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smartcustoms.capabilities.imaging.ports import AnalyserHolder
from smartcustoms.ml.scan.analyser import ScanAnalyser
from smartcustoms.ml.scan.features import FEATURES_VERSION, PATCH_FEATURES, SIGNATURE_FEATURES


@pytest.mark.parametrize(("patch", "version"), [(PATCH_FEATURES[:19], FEATURES_VERSION),
                                                (PATCH_FEATURES, FEATURES_VERSION - 1), (PATCH_FEATURES, None)])
def test_an_artefact_with_an_older_feature_list_is_not_used(tmp_path: Path, patch: tuple[str, ...],
                                                            version: int | None) -> None:
    folder = tmp_path / "imaging-old"
    folder.mkdir()
    meta = {"patch_features": list(patch), "signature_features": list(SIGNATURE_FEATURES),
            "threshold": 0.5, "goods_classes": ["textiles"], "signature_scale": [1.0]}
    if version is not None:
        meta["features_version"] = version
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (tmp_path / "current").write_text("imaging-old", encoding="utf-8")
    with pytest.raises(ValueError, match="feature list"):
        ScanAnalyser.load(folder)
    assert AnalyserHolder(tmp_path).get() is None
