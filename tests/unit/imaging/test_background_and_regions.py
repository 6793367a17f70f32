"""The robust goods background (ml/scan/background.py), the heat of a patch supported by its neighbour, the
learned minimum region size per object kind, and the training / held-out split of goods mixes — each on a few
seeded 10–20 mm/px scans or a small grid."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import numpy as np
from scipy import ndimage

from smartcustoms.capabilities.imaging.evaluation import OBJECT_SCALE, detection_curve, make_spec
from smartcustoms.devices.scanner.physics import ratio
from smartcustoms.devices.scanner.simulator import Box, ObjectSpec, ScanSpec, render
from smartcustoms.ml.scan.analyser import scan_risk
from smartcustoms.ml.scan.features import maps
from smartcustoms.ml.scan.models import OBJECT_CLASSES, ConcealmentDetector, grid_regions, supported

PX = 20.0


def _excess_in_box(kind: str, goods: str) -> tuple[float, float, float]:
    scan = render(ScanSpec(size="20", goods=((goods, 1.0),), objects=(ObjectSpec(kind, 0.5, 0.6),), fill=1.0,
                           px_mm=PX, seed=5))
    m = maps(scan.high, scan.low, PX)
    b = scan.objects[0]
    high = np.clip(m.res.excess_h[b.y:b.y + b.h, b.x:b.x + b.w], 0, None)
    low = np.clip(m.res.excess_l[b.y:b.y + b.h, b.x:b.x + b.w], 0, None)
    load = np.abs(m.res.excess_h[20:-10, 40:-40])
    return float(high.mean()), float(low.sum() / high.sum()), float(np.median(load))


def test_excess_over_the_goods_background_is_the_object_and_its_ratio_is_the_objects_material() -> None:
    for kind, material in (("drugs", "polyethylene"), ("high_z", "lead")):
        for goods in ("textiles", "paper"):
            excess, r, typical = _excess_in_box(kind, goods)
            assert excess > 5 * typical, (kind, goods)
            assert abs(r - ratio(material)) < 0.06, (kind, goods, r)


def test_a_boundary_between_two_goods_is_an_edge_of_the_row_background_not_an_excess() -> None:
    scan = render(ScanSpec(size="20", goods=(("textiles", 0.5), ("paper", 0.5)), fill=1.0, px_mm=PX, seed=8))
    m = maps(scan.high, scan.low, PX)
    body = (slice(30, 110), slice(40, -40))
    row = ndimage.uniform_filter(m.res.row_h, 5)[body]
    excess = ndimage.uniform_filter(m.res.excess_h, 5)[body]
    assert row.max() > 0.5
    assert excess.max() < 0.5 * row.max()


def test_a_gun_in_the_head_space_above_drums_of_liquid_shows_its_excess() -> None:
    """Above the liquid the column median is the liquid below (far too high); the row median, all drums being
    filled to one level, is the head space itself — so that is the background the excess is taken against."""
    px = 10.0
    spec = ScanSpec(size="20", goods=(("liquids", 1.0),), fill=1.0, px_mm=px, seed=3)
    gun = dataclasses.replace(spec, objects=(ObjectSpec("gun", 0.5, 0.28),))
    without, with_gun = render(spec), render(gun)
    m0, m1 = maps(without.high, without.low, px), maps(with_gun.high, with_gun.low, px)
    b = with_gun.objects[0]
    box = (slice(b.y, b.y + b.h), slice(b.x, b.x + b.w))
    assert m0.a_h[box].mean() < 0.5  # the head space: drum steel only, the liquid starts just below
    added = float(m1.a_h[box].mean() - m0.a_h[box].mean())
    assert float(m1.res.excess_h[box].mean()) > 0.8 * added
    assert float(np.minimum(m1.res.row_h, m1.res.col_h)[box].mean()) < 0.2 * added  # the smaller residual hid it


def test_a_lone_hot_patch_is_brought_down_its_neighbours_stay_cool_and_an_object_stays_hot() -> None:
    heat = np.full((10, 10), 0.001)
    heat[2, 2] = 0.99  # a blip of the goods: one patch
    heat[6:8, 5:7] = 0.99  # an object: overlapping patches see it together
    smoothed = supported(heat)
    assert smoothed[2, 2] < 0.3
    cool = heat < 0.5
    assert np.allclose(smoothed[cool], heat[cool])  # support never raises a cell: no bloom around either
    assert smoothed[6:8, 5:7].min() > 0.98
    assert supported(np.array([[0.7]]))[0, 0] == 0.7  # nothing to support it on a one-cell grid


def _grid(h: int, w: int) -> Any:
    return SimpleNamespace(patch=16, stride=8, ys=np.arange(8, 8 * h, 8), xs=np.arange(8, 8 * w, 8), px_mm=10.0)


def _proba(shape: tuple[int, int], **p: float) -> np.ndarray:
    """Per-cell class probabilities, the same in every cell; background takes what the kinds leave."""
    out = np.zeros((*shape, len(OBJECT_CLASSES)))
    for kind, v in p.items():
        out[..., OBJECT_CLASSES.index(kind)] = v
    out[..., 0] = 1 - out.sum(axis=-1)
    return out


def test_a_sliver_too_thin_for_its_kind_is_not_a_region() -> None:
    det = ConcealmentDetector().learn_sizes([("cigarettes", 700.0), ("cigarettes", 900.0), ("gun", 150.0)])
    assert det.min_region_mm_ == {"cigarettes": 350.0, "gun": 75.0}
    heat = np.zeros((20, 40))
    proba = _proba(heat.shape, cigarettes=0.99)
    heat[4:14, 5] = 0.99  # one patch wide, tall: the edge where one kind of goods meets another
    heat[4:12, 20:28] = 0.99  # a block of master cartons
    m = _grid(*heat.shape)
    assert len(grid_regions(heat, proba, m, 0.5)) == 2
    kept = grid_regions(heat, proba, m, 0.5, det.min_region_mm_)
    assert len(kept) == 1 and kept[0].w >= 64 and kept[0].label == "cigarettes"


def test_a_hot_region_too_small_for_its_voted_kind_is_judged_on_the_kinds_it_can_be() -> None:
    det = ConcealmentDetector().learn_sizes([("cigarettes", 700.0), ("drugs", 250.0), ("gun", 150.0)])
    heat = np.zeros((20, 40))
    heat[4:6, 20:24] = 0.99  # 3 × 5 cells: 24 × 40 cm, too small for cigarettes, large enough for the others
    m = _grid(*heat.shape)
    # the cells vote cigarettes; judged on drugs, the heat keeps the drugs' share of the object probability
    brick = grid_regions(heat, _proba(heat.shape, cigarettes=0.5, drugs=0.49), m, 0.45, det.min_region_mm_)
    assert [(r.label, round(r.score, 4)) for r in brick] == [("drugs", 0.49)]
    # the same cells with too little drug probability for the threshold: nothing
    assert grid_regions(heat, _proba(heat.shape, cigarettes=0.9, drugs=0.09), m, 0.45, det.min_region_mm_) == []
    # each kind that fits is judged on its own: a gun and a drug brick a quarter likely each are neither
    assert grid_regions(heat, _proba(heat.shape, cigarettes=0.5, gun=0.25, drugs=0.24), m, 0.45,
                        det.min_region_mm_) == []
    kept = grid_regions(heat, _proba(heat.shape, cigarettes=0.5, gun=0.25, drugs=0.24), m, 0.2, det.min_region_mm_)
    assert [(r.label, round(r.score, 4)) for r in kept] == [("gun", 0.25)]
    # the scan's risk is the region as judged, not the heat of its cells
    assert round(scan_risk(brick, consistency=0.9, waste=0.1, reference=None), 4) == 0.49


def test_training_loads_are_one_kind_in_lots_and_only_the_heldout_set_mixes_kinds() -> None:
    rng = np.random.default_rng(3)
    train = [make_spec(rng, i, heldout=False, px_mm=PX, lots=0.4) for i in range(300)]
    assert all(len({kind for kind, _share in s.goods}) == 1 for s in train)
    assert sum(len(s.goods) == 2 for s in train) > 60
    # the held-out stream draws the same scans whatever the training lot share
    a, b = np.random.default_rng(4), np.random.default_rng(4)
    heldout = [make_spec(a, i, heldout=True, px_mm=PX, lots=0.4) for i in range(100)]
    assert heldout == [make_spec(b, i, heldout=True, px_mm=PX, lots=0.0) for i in range(100)]
    assert sum(len({kind for kind, _share in s.goods}) == 2 for s in heldout) > 30


def test_recall_is_reported_per_object_kind_present_and_by_the_goods_around_each_object() -> None:
    knife = Box(100, 40, 7, 34, "knife")
    outside = Box(5, 40, 20, 15, "high_z")  # before the load starts
    scan = SimpleNamespace(objects=[knife, outside], segments=[Box(50, 6, 200, 230, "paper")])
    sample = SimpleNamespace(scan=scan, extra={"maps": _grid(30, 40)})
    heat = np.zeros((29, 39))
    heat[5:9, 12] = 0.99  # the knife's column of cells: found; nothing at the block
    best = detection_curve([(heat, None)], [sample], np.array([0.5]))  # type: ignore[list-item]
    assert best["per_kind"] == {"knife": 1.0, "high_z": 0.0}  # no gun, drugs or cigarettes here: not reported
    assert best["per_goods"] == {"paper": (1.0, 1), "none": (0.0, 1)}


def test_training_objects_come_in_every_size_but_only_the_heldout_set_places_them_mid_length_or_at_the_top() -> None:
    rng = np.random.default_rng(5)
    train = [o for i in range(400) for o in make_spec(rng, i, heldout=False, px_mm=PX).objects]
    heldout = [o for i in range(400) for o in make_spec(rng, i, heldout=True, px_mm=PX).objects]
    for objects in (train, heldout):  # sizes: the same whole range in both
        assert all(OBJECT_SCALE[0] <= o.scale <= OBJECT_SCALE[1] for o in objects)
        assert min(o.scale for o in objects) < 0.8 and max(o.scale for o in objects) > 1.25
    assert not any(0.4 < o.fx < 0.6 or o.fy < 0.2 for o in train)  # placements: the middle band and the top
    assert sum(0.4 < o.fx < 0.6 for o in heldout) > 20 and sum(o.fy < 0.2 for o in heldout) > 10
