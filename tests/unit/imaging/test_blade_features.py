"""What the detector learns from and looks with for thin steel: a blade pack (7 cm wide) is a knife in training
even though it fills less than half of a 16 cm patch; a bar-shaped excess with nothing as dense beside it or
beyond its ends stands out from a chassis-sized block and from a long line; every patch has a value for each named
feature, in the order of the names."""

from __future__ import annotations

import numpy as np

from smartcustoms.capabilities.imaging.evaluation import patch_labels
from smartcustoms.devices.scanner.simulator import Box, ScanImage
from smartcustoms.ml.scan.features import PATCH_FEATURES, _bars, maps, patch_boxes, patch_features
from smartcustoms.ml.scan.models import OBJECT_CLASSES

PX = 10.0
H, W = 260, 700


def _pair(alpha_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """16-bit high/low transmission for an attenuation map of organic goods plus iron (R about 1.2 under 3 MeV)."""
    def image(alpha: np.ndarray) -> np.ndarray:
        return np.clip(np.round(np.exp(-alpha) * 65535), 1, 65535).astype(np.uint16)

    return image(alpha_h), image(alpha_h * 1.2)


def _goods() -> np.ndarray:
    a = np.zeros((H, W))
    a[20:240, 40:660] = 0.5  # a uniform load
    return a


def _feature(alpha_h: np.ndarray, name: str, y: int, x: int) -> float:
    high, low = _pair(alpha_h)
    m = maps(high, low, PX)
    f = patch_features(m).reshape(m.ys.size, m.xs.size, -1)
    return float(f[np.abs(m.ys - y).argmin(), np.abs(m.xs - x).argmin(), PATCH_FEATURES.index(name)])


def test_a_blade_pack_thinner_than_half_a_patch_is_still_a_knife_in_training() -> None:
    high, low = _pair(_goods())
    m = maps(high, low, PX)
    knife = Box(300, 100, 7, 34, "knife")  # 7 cm × 34 cm: at most 7 of a 16 cm patch's 16 columns
    scan = ScanImage(high=high, low=low, px_mm=PX, objects=[knife], goods=(("textiles", 1.0),),
                     cargo=Box(40, 20, 620, 220, "cargo"), segments=[])
    labels = patch_labels(patch_boxes(m), scan)
    assert (labels == OBJECT_CLASSES.index("knife")).sum() >= 2


def test_an_isolated_bar_of_steel_stands_out_from_a_block_and_from_a_long_line() -> None:
    blade, block = _goods(), _goods()
    blade[100:134, 300:307] += 0.37  # a blade pack: 1.5 cm of steel, 7 × 34 cm
    block[110:125, 293:308] += 0.37  # a chassis: 15 × 15 cm, as dense
    at_blade = _feature(blade, "bar_iso", 117, 303)
    assert at_blade > 0.2
    assert _feature(block, "bar_iso", 117, 300) < 0.6 * at_blade


def test_only_the_end_test_tells_a_blade_from_a_long_line_of_the_same_steel() -> None:
    """On an excess map directly (a line 2 m long would already be mostly absorbed by the column background):
    beside both there is nothing, beyond the ends of the line there is more line."""
    high, low = _pair(_goods())
    m = maps(high, low, PX)
    blade, line = np.zeros((H, W)), np.zeros((H, W))
    blade[100:134, 300:307] = 0.37
    line[20:240, 300:307] = 0.37
    iy, ix = np.abs(m.ys - 117).argmin(), np.abs(m.xs - 303).argmin()
    side_blade, iso_blade = (f[iy, ix] for f in _bars(blade, m, 50, 250))
    side_line, iso_line = (f[iy, ix] for f in _bars(line, m, 50, 250))
    assert side_blade > 0.2 and side_line > 0.2  # against the sides, both stand out
    assert iso_blade > 0.2 and iso_line < 0.05  # only the blade ends


def test_the_short_bar_sees_a_short_piece_of_steel_the_long_bar_sees_a_blade_pack() -> None:
    piece, blade = _goods(), _goods()
    piece[100:115, 300:304] += 0.35  # 4 cm × 15 cm of steel (a gun's grip, a short blade)
    blade[100:134, 300:307] += 0.35  # a 7 cm × 34 cm blade pack
    at = (110, 302)
    assert _feature(piece, "bar_short", *at) > _feature(piece, "bar_iso", *at)
    assert _feature(blade, "bar_iso", *at) > _feature(blade, "bar_short", *at)


def test_every_patch_has_a_value_for_each_named_feature() -> None:
    high, low = _pair(_goods())
    m = maps(high, low, PX)
    f = patch_features(m)
    assert f.shape == (m.ys.size * m.xs.size, len(PATCH_FEATURES))
    assert np.isfinite(f).all()  # nothing is left unknown, not even beside the air at the ends of the load
