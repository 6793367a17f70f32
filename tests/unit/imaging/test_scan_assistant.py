"""The scan assistant on a tiny seeded simulated set (seconds): it is trained, saved as a versioned artefact,
loaded back with the same outputs, finds a dense high-Z block and tells declared from undeclared goods better
than chance and than the plain threshold baseline."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from smartcustoms.capabilities.imaging.evaluation import (
    THRESHOLDS,
    card_for,
    detection_curve,
    evaluate_analyser,
    fit_analyser,
    generate,
)
from smartcustoms.devices.scanner.simulator import ObjectSpec, ScanSpec, render
from smartcustoms.ml.scan.analyser import ScanAnalyser
from smartcustoms.ml.scan.models import ThresholdDetector

PX = 20.0


def test_tiny_training_run(tmp_path: Path) -> None:
    # training scans leave their per-pixel maps behind (memory): training and evaluation must not need them
    train = generate(36, 1, heldout=False, px_mm=PX, object_rate=0.8, keep_maps=False)
    assert all("maps" not in s.extra and s.feats is not None for s in train)
    val = generate(10, 2, heldout=False, px_mm=PX)
    test = generate(24, 3, heldout=True, px_mm=PX, object_rate=0.8)
    analyser = fit_analyser(train, val, seed=1, rounds=40)
    rep = evaluate_analyser(analyser, train, test)
    assert rep["mismatch_auc"] > 0.7
    assert 0 <= rep["detection"]["recall"] <= 1
    base = detection_curve([(ThresholdDetector().heat(s.extra["maps"]), None) for s in test], test,
                           np.linspace(0.1, 6, 20))
    ours = detection_curve([analyser.detector.heat(s.feats, s.extra["maps"]) for s in test], test, THRESHOLDS)
    assert max(r for _t, r, fa in ours["curve"] if fa <= 1.0) >= max((r for _t, r, fa in base["curve"]
                                                                      if fa <= 1.0), default=0.0)
    # a lead block in textiles is flagged as high-Z
    scan = render(ScanSpec(size="20", goods=(("textiles", 1.0),), objects=(ObjectSpec("high_z", 0.5, 0.6, 1.2),),
                           fill=1.0, px_mm=PX, seed=99))
    result = analyser.analyse(scan.high, scan.low, PX, declared="textiles")
    box = scan.objects[0]
    cell_y = np.clip((box.y + box.h // 2 - 4) // 4, 0, result.heat.shape[0] - 1)
    cell_x = np.clip((box.x + box.w // 2 - 4) // 4, 0, result.heat.shape[1] - 1)
    assert result.heat[cell_y, cell_x] > np.median(result.heat)
    # (the pixel class there is metal: R is that of the lead and the textiles across the container, about 1.09)
    out = result.as_dict()
    assert "high_z" in out["alerts"]
    assert any(r["label"] == "high_z" and r["x"] < box.x + box.w and box.x < r["x"] + r["w"]
               and r["y"] < box.y + box.h and box.y < r["y"] + r["h"] for r in out["regions"])
    # versioned artefact: same version for the same model, same outputs after loading
    folder, version = analyser.save(tmp_path, card_for(analyser))
    assert version.startswith("imaging-") and (folder / "MODEL_CARD.md").read_text().startswith("# Scan assistant")
    loaded = ScanAnalyser.load(folder)
    again = loaded.analyse(scan.high, scan.low, PX, declared="textiles")
    assert np.allclose(again.heat, result.heat) and again.risk == result.risk
