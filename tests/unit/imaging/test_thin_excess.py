"""A blade beside a goods edge: the thin excess (the goods less their 13 cm grey opening) keeps the stack's edges
where they are and measures the blade against the goods on its own side of the edge. Large objects are left to
the running medians; so is what stands out of a step along a square's width (the opening keeps it)."""

from __future__ import annotations

import numpy as np

from smartcustoms.ml.scan.background import thin_excess
from smartcustoms.ml.scan.features import PATCH_FEATURES, maps, patch_features

PX = 10.0
H, W = 260, 700
BLADE = 0.37  # 1.5 cm of steel at 6 MeV
R_PAPER, R_FE = 1.43, 1.184


def _paper_stack() -> np.ndarray:
    """6 MeV attenuation of a stack of paper cartons (2.7) whose top is row 120, on a container's walls (0.1)."""
    a = np.full((H, W), 0.1)
    a[120:240, 40:660] = 2.7
    return a


def _blade_under_the_edge() -> np.ndarray:
    fe = np.zeros((H, W))
    fe[121:128, 300:334] = BLADE  # 7 × 34 cm, lying in the top cartons just under the stack's top edge
    return fe


def test_a_blade_just_under_a_stacks_top_edge_keeps_its_attenuation_and_the_edges_leave_nothing() -> None:
    thin = thin_excess(_paper_stack() + _blade_under_the_edge(), PX)
    np.testing.assert_allclose(thin[121:128, 300:334], BLADE, atol=1e-9)
    thin[121:128, 300:334] = 0.0
    assert np.abs(thin).max() < 1e-9  # the stack's edges and corners, also right above and below the blade


def test_a_blade_standing_out_of_a_step_is_seen_only_where_it_lies_in_the_goods() -> None:
    fe = np.zeros((H, W))
    fe[116:123, 300:334] = BLADE  # across the top edge: a 13 cm square fits through its upper part and the stack
    thin = thin_excess(_paper_stack() + fe, PX)
    np.testing.assert_allclose(thin[120:123, 300:334], BLADE, atol=1e-9)
    assert np.abs(thin[116:120, 300:334]).max() < 1e-9


def test_a_block_too_large_for_the_opening_is_left_to_the_medians() -> None:
    a = _paper_stack()
    a[150:180, 200:240] += 1.2  # a 30 × 40 cm drug brick inside the stack
    assert np.abs(thin_excess(a, PX)).max() < 1e-9


def _image(alpha: np.ndarray) -> np.ndarray:
    return np.clip(np.round(np.exp(-alpha) * 65535), 1, 65535).astype(np.uint16)


def test_in_the_thin_features_of_a_scan_the_blade_under_the_edge_is_the_strongest_and_reads_as_steel() -> None:
    paper, fe = _paper_stack(), _blade_under_the_edge()
    noise = np.random.default_rng(5).normal(0, 0.01, (H, W))
    m = maps(_image(paper + fe + noise), _image(R_PAPER * paper + R_FE * fe + noise), PX)
    f = patch_features(m).reshape(m.ys.size, m.xs.size, -1)
    # patches that can reach the blade: a 25 cm bar in a 16 cm patch reaches 20 cm beyond either end of it
    near = (np.abs(m.ys[:, None] - 124) <= 24) & (np.abs(m.xs[None, :] - 317) <= 48)
    # the patch mean gets the blade's share of a patch (7 of 16 cm), the maxima and bars nearly all of it (the short
    # isolated bar is for pieces shorter than 25 cm: along a 34 cm blade the blade itself continues it)
    for name, least in (("thin_max", 0.5), ("thin_mean", 0.3), ("thin_bar", 0.5), ("thin_bar_iso", 0.5)):
        thin = f[..., PATCH_FEATURES.index(name)]
        assert thin[near].max() > least * BLADE, name
        assert thin[near].max() > 3 * thin[~near].max(), name  # the stack's edges, corners and noise stay below
    # the low/high ratio of what stands out there is steel's
    peak = f[..., PATCH_FEATURES.index("thin_max")][near].argmax()
    assert abs(f[..., PATCH_FEATURES.index("thin_ratio")][near][peak] - R_FE) < 0.1
