"""Scan simulator physics and the image codec."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from smartcustoms.capabilities.imaging.domain import goods_kind, least_loaded
from smartcustoms.devices.scanner import codec
from smartcustoms.devices.scanner.physics import ratio, transmission
from smartcustoms.devices.scanner.simulator import ObjectSpec, ScanSpec, attenuation, counts_per_pixel, render
from smartcustoms.ml.scan.materials import HIGH_Z, ORGANIC, decompose, pseudo_colour


def test_more_material_transmits_less_and_ratio_orders_by_z() -> None:
    ad = np.array([0.0, 10.0, 50.0, 200.0])
    t_low, t_high = transmission({"water": ad})
    assert np.all(np.diff(t_high) < 0) and np.all(np.diff(t_low) < 0)
    assert t_high[0] == 1.0
    # MeV range: R falls with Z (imaging.md §2.2)
    assert ratio("polyethylene") > ratio("water") > ratio("aluminium") > ratio("iron") > ratio("lead")
    assert ratio("water") == pytest.approx(1.433, abs=0.001) and ratio("lead") == pytest.approx(0.964, abs=0.001)


def test_rendered_scan_is_deterministic_and_high_z_separates_in_r() -> None:
    spec = ScanSpec(size="20", goods=(("textiles", 1.0),), objects=(ObjectSpec("high_z", 0.5, 0.5, 1.2),),
                    px_mm=20.0, seed=4)
    a, b = render(spec), render(spec)
    assert np.array_equal(a.high, b.high) and np.array_equal(a.low, b.low)
    assert a.high.dtype == np.uint16 and a.shape == (130, 333)
    box = a.objects[0]
    a_h, r, cls = decompose(a.high, a.low)
    inner = (slice(box.y + 1, box.y + box.h - 1), slice(box.x + 1, box.x + box.w - 1))
    around = np.median(r[box.y:box.y + box.h, box.x + box.w + 5:box.x + box.w + 25])
    assert around > 1.37 and np.median(r[inner]) < around - 0.2  # lead behind textiles: far from organic
    assert (cls[inner] == ORGANIC).mean() < 0.1
    # at equal high-energy attenuation, lead lowers R more than iron does (pair production vs Compton)
    lead_ad = 60.0
    iron_ad = lead_ad * 0.04391 / 0.03057
    tl_lead, th_lead = transmission({"polyethylene": np.array([50.0]), "lead": np.array([lead_ad])})
    tl_iron, th_iron = transmission({"polyethylene": np.array([50.0]), "iron": np.array([iron_ad])})
    assert np.allclose(th_lead, th_iron)
    assert np.log(tl_lead) / np.log(th_lead) < np.log(tl_iron) / np.log(th_iron) - 0.05
    empty = render(ScanSpec(size="20", goods=(("empty", 1.0),), px_mm=20.0, seed=4))
    full = render(ScanSpec(size="20", goods=(("paper", 1.0),), fill=1.0, px_mm=20.0, seed=4))
    assert attenuation(full.high).mean() > attenuation(empty.high).mean()
    assert (decompose(full.high, full.low)[2] == ORGANIC).mean() > 0.3
    rgb = pseudo_colour(a.high, a.low)
    assert rgb.shape == (*a.shape, 3) and rgb.dtype == np.uint8
    # a lead block in an empty container (only the walls in front) is high-Z in the material classes
    bare = render(ScanSpec(size="20", goods=(("empty", 1.0),), objects=(ObjectSpec("high_z", 0.5, 0.5, 1.2),),
                           px_mm=20.0, seed=4))
    lead = bare.objects[0]
    core = (slice(lead.y + 1, lead.y + lead.h - 1), slice(lead.x + 1, lead.x + lead.w - 1))
    assert (decompose(bare.high, bare.low)[2][core] == HIGH_Z).mean() > 0.8


def test_codec_round_trip_and_refusals() -> None:
    img = render(ScanSpec(size="20", px_mm=40.0, seed=1)).high
    blob = codec.encode_gray16(img)
    assert np.array_equal(codec.decode_gray16(blob), img)
    flipped = bytearray(blob)
    flipped[60] ^= 0x01
    for bad, reason in ((b"GIF89a", "signature"), (bytes(flipped), "crc"), (blob[: len(blob) // 2], "data"),
                        (codec.encode_rgb(np.zeros((4, 4, 3), np.uint8)), "header")):
        with pytest.raises(codec.CorruptImage) as exc:
            codec.decode_gray16(bad)
        assert exc.value.reason == reason
    # a valid PNG whose rows use the Sub / Up filters decodes too
    h, w = 3, 4
    data = np.arange(h * w, dtype=np.uint16).reshape(h, w) * 1000
    raw = data.astype(">u2").view(np.uint8).reshape(h, 2 * w).astype(np.int32)
    rows = []
    prev = np.zeros(2 * w, np.int32)
    for y in range(h):
        if y % 2:
            rows.append(bytes([2]) + bytes(((raw[y] - prev) & 0xFF).astype(np.uint8)))
        else:
            sub = raw[y].copy()
            sub[2:] = (raw[y][2:] - raw[y][:-2]) & 0xFF
            rows.append(bytes([1]) + bytes(sub.astype(np.uint8)))
        prev = raw[y]
    png = codec._png(w, h, 16, 0, b"".join(rows))
    assert np.array_equal(codec.decode_gray16(png), data)
    assert zlib.crc32(b"") == 0


def test_goods_kind_and_least_loaded_are_deterministic() -> None:
    assert goods_kind(["6109100021", "6204320000", "8471300000"]) == "textiles"
    assert goods_kind(["3915100000"]) == "plastic_waste" and goods_kind(["0101210010"]) is None
    assert least_loaded({"a": 2, "b": 1}, {"a": "2026-01-01", "b": "2026-01-02"}) == "b"
    assert least_loaded({"a": 1, "b": 1}, {"a": "2026-01-02", "b": "2026-01-01"}) == "b"
    assert least_loaded({}, {}) is None


@pytest.mark.parametrize("px_mm", [10.0, 20.0])
def test_photon_noise_follows_the_recipe_counts_per_detector_area(px_mm: float) -> None:
    # imaging.md §2.4 assumes N0 = 2×10⁴ counts per 5 mm pixel at both energies; counts grow with the pixel's area,
    # so 8×10⁴ per 10 mm pixel and four times that per 20 mm pixel. Through the empty container's side walls, a
    # double difference of neighbouring pixels cancels the per-row gain and per-column pulse residuals and leaves
    # the counting noise: var = 4 T / N0 (a robust spread, so that a dead detector row does not count)
    spec = ScanSpec(size="40", goods=(("empty", 1.0),), fill=1.0, px_mm=px_mm, seed=8)
    scan = render(spec)
    assert counts_per_pixel(5.0) == pytest.approx(2.0e4)
    n0 = counts_per_pixel(px_mm)
    cargo = scan.cargo
    assert cargo is not None
    rows = slice(cargo.y + 20, cargo.y + cargo.h - 20)
    cols = slice(cargo.x + 20, cargo.x + cargo.w - 20)
    for image in (scan.high, scan.low):
        t = image[rows, cols].astype(np.float64) / 65535
        d = t[:-1, :-1] - t[:-1, 1:] - t[1:, :-1] + t[1:, 1:]
        robust_var = (1.4826 * np.median(np.abs(d - np.median(d)))) ** 2
        assert robust_var == pytest.approx(4 * np.median(t) / n0, rel=0.15)
