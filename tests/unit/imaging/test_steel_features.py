"""Steel seen through organic goods: in the iron-equivalent image (3 MeV attenuation less that of organic goods
of the same 6 MeV attenuation) plastic waste of any thickness cancels and a blade pack keeps its own
attenuation, so the bar filters find a blade that the 6 MeV texture hides; where the 3 MeV image is too dark to
tell materials apart, the steel features say nothing."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from smartcustoms.devices.scanner.physics import ratio
from smartcustoms.ml.scan.features import PATCH_FEATURES, ScanMaps, maps, patch_features
from smartcustoms.ml.scan.materials import iron_equivalent

PX = 10.0
H, W = 260, 700
R_PE, R_FE = ratio("polyethylene"), ratio("iron")


def _image(alpha: np.ndarray) -> np.ndarray:
    return np.clip(np.round(np.exp(-alpha) * 65535), 1, 65535).astype(np.uint16)


def _plastic_waste(seed: int = 3) -> np.ndarray:
    """6 MeV attenuation of bales of plastic waste: 1.6 on average, ±45 % texture a few centimetres across."""
    tex = ndimage.gaussian_filter(np.random.default_rng(seed).standard_normal((H, W)), 1.5)
    a = np.zeros((H, W))
    a[30:240, 40:660] = 1.6 * np.clip(1 + 0.45 * tex[30:240, 40:660] / tex.std(), 0, None)
    return a


def _features(pe_h: np.ndarray, fe_h: np.ndarray) -> tuple[np.ndarray, ScanMaps]:
    """Patch features of a scan with polyethylene and iron of the given 6 MeV attenuation (3 MeV by their R)."""
    m = maps(_image(pe_h + fe_h), _image(R_PE * pe_h + R_FE * fe_h), PX)
    return patch_features(m).reshape(m.ys.size, m.xs.size, -1), m


def test_organic_goods_of_any_thickness_cancel_and_iron_keeps_its_attenuation() -> None:
    pe = np.linspace(0.0, 3.0, 31)
    assert np.abs(iron_equivalent(pe, R_PE * pe)).max() < 0.07 * 3.0  # 1.45 stands for every organic good
    blade = 0.37  # 1.5 cm of steel at 6 MeV
    behind = iron_equivalent(pe + blade, R_PE * pe + R_FE * blade) - iron_equivalent(pe, R_PE * pe)
    np.testing.assert_allclose(behind, blade, rtol=0.01)


def test_a_blade_lost_in_plastic_waste_texture_stands_out_among_steel_bars() -> None:
    waste = _plastic_waste()
    fe = np.zeros((H, W))
    fe[100:134, 300:307] = 0.37  # a blade pack, 7 × 34 cm, well inside the waste
    f, m = _features(waste, fe)
    at = (slice(int(np.abs(m.ys - 108).argmin()), int(np.abs(m.ys - 126).argmin()) + 1),
          slice(int(np.abs(m.xs - 296).argmin()), int(np.abs(m.xs - 311).argmin()) + 1))
    away = np.ones(f.shape[:2], dtype=bool)
    away[max(0, at[0].start - 3):at[0].stop + 3, max(0, at[1].start - 3):at[1].stop + 3] = False
    inside = (m.ys[:, None] > 45) & (m.ys[:, None] < 225) & (m.xs[None, :] > 60) & (m.xs[None, :] < 640)
    steel = f[..., PATCH_FEATURES.index("steel_bar_iso")]
    plain = f[..., PATCH_FEATURES.index("bar_iso")]
    # among the 6 MeV bars the blade is one of many texture lumps; among the steel bars it is the strongest
    assert steel[at].max() > 1.5 * steel[away & inside].max()
    assert plain[at].max() < 1.5 * plain[away & inside].max()


def test_where_the_3_mev_image_is_too_dark_the_steel_features_say_nothing() -> None:
    dense = np.zeros((H, W))
    dense[30:240, 40:660] = 6.0  # 3 MeV attenuation ≈ 8.8: fewer than 1 in 1000 photons pass
    fe = np.zeros((H, W))
    fe[100:134, 300:307] = 0.37
    f, m = _features(dense, fe)
    iy, ix = int(np.abs(m.ys - 117).argmin()), int(np.abs(m.xs - 303).argmin())
    assert f[iy, ix, PATCH_FEATURES.index("low_dark")] == 1.0
    for name in ("steel_bar", "steel_bar_iso", "steel_bar_short"):
        assert f[iy, ix, PATCH_FEATURES.index(name)] == 0.0
