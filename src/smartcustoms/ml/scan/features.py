"""Features of a dual-energy scan: per-patch local features for the concealed-object detector, and a whole-scan
goods signature for declared-goods consistency, solid-waste and empty-container checks. Vectorised: every patch
feature is a box filter over the full image sampled at the patch centres.

Patch features: local attenuation, its spread and its contrast down the column, R, high-Z and metal fractions,
gradient, Laplacian, row context level, position; the excess over the robust goods background (background.py: mean,
peak, against the column, at 3 MeV, its low/high ratio, and against its local spread); the strongest 15 cm line of
excess (thin steel) with its ratio; and bar-shaped matched filters on the excess (`_bars`: a blade pack or a gun's
slide; 5 × 25 cm with and without the end test, 4 × 15 cm with it); the same bars on the iron-equivalent attenuation
(materials.iron_equivalent: organic goods cancel, steel remains), with the share of the patch where the 3 MeV image
is too dark for it; and the thin excess (background.thin_excess: the goods with everything under 13 cm across opened
away, their steps kept): its patch maximum and mean, the low/high ratio of the mean, and the same three bars on it —
a blade or a gun beside a goods edge, where the medians are the wrong background. Contrasts against a box mean along
the row (a row context 1.3 m long, R and material residual against it, extreme residuals) were dropped: at a
boundary between two kinds of goods — which training never shows — they look like an object. So were, for the same
reason, the goods 1.5 m to the left and to the right (how they differ from each other and from the patch, in
attenuation and R): among goods, training sees them differ only where two lots of one kind meet, and where two kinds
meet they made the patch look like an object (features version 6)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from smartcustoms.ml.scan.background import Residuals, residuals, thin_excess
from smartcustoms.ml.scan.materials import (
    ALPHA_LOW_DARK,
    ALPHA_MIN,
    R_METAL,
    R_MIXED,
    R_ORGANIC,
    attenuation,
    iron_equivalent,
)

PATCH_FEATURES: tuple[str, ...] = (
    "mean", "std", "d_col", "r_mean", "frac_hz", "frac_metal", "grad", "y_rel", "ctx_row", "lap", "end_dist",
    "ex_mean", "ex_max", "ex_col", "ex_low", "ex_ratio", "ex_z", "line", "line_ratio", "bar", "bar_iso", "bar_short",
    "steel_bar", "steel_bar_iso", "steel_bar_short", "low_dark",
    "thin_max", "thin_mean", "thin_ratio", "thin_bar", "thin_bar_iso", "thin_bar_short",
)
FEATURES_VERSION = 6
"""Raised whenever a feature's meaning changes without its name changing (an artefact of another version is not
loaded): 3 = excess against the better-fitting background, bar filters, no R beside air; 4 = the same bar filters
on the iron-equivalent attenuation (organic goods cancelled); 5 = features added on the thin excess (a grey
opening as the goods' background); 6 = the goods 1.5 m to the left and right dropped — the changed list alone
would already refuse an older artefact."""
SIGNATURE_FEATURES: tuple[str, ...] = (
    "loaded", "height", "alpha_mean", "alpha_p10", "alpha_p50", "alpha_p90", "alpha_p99", "organic", "mixed",
    "metal", "high_z", "r_median", "texture", "col_var", "row_var", "top_rough", "opaque", "periodic",
)


@dataclass
class ScanMaps:
    """Per-pixel maps shared by the detector and the signature."""

    a_h: np.ndarray
    a_l: np.ndarray
    r: np.ndarray
    patch: int
    stride: int
    ys: np.ndarray
    xs: np.ndarray
    px_mm: float
    res: Residuals


def repair_rows(alpha: np.ndarray) -> np.ndarray:
    """Detector artefact correction: a dead detector element reads (nearly) nothing along its whole row; such a
    row (median attenuation far above both neighbours') is replaced by the mean of its neighbours."""
    med = np.median(alpha, axis=1)
    up = np.concatenate([[med[0]], med[:-1]])
    down = np.concatenate([med[1:], [med[-1]]])
    bad = np.flatnonzero((med > up + 2.0) & (med > down + 2.0))
    if bad.size:
        alpha = alpha.copy()
        h = alpha.shape[0]
        for r in bad:
            alpha[r] = 0.5 * (alpha[max(0, r - 1)] + alpha[min(h - 1, r + 1)])
    return alpha


def maps(high: np.ndarray, low: np.ndarray, px_mm: float) -> ScanMaps:
    a_h = ndimage.uniform_filter(np.minimum(repair_rows(attenuation(high)), 9.0), 3)
    a_l = ndimage.uniform_filter(np.minimum(repair_rows(attenuation(low)), 12.0), 3)
    r = np.where(a_h > ALPHA_MIN, a_l / np.maximum(a_h, 0.02), R_ORGANIC + 0.1)
    p = max(4, int(round(160 / px_mm)))
    s = max(2, p // 2)
    h, w = a_h.shape
    return ScanMaps(a_h, a_l, r, p, s, np.arange(p // 2, h, s), np.arange(p // 2, w, s), px_mm,
                    residuals(a_h, a_l, px_mm))


class _Boxes:
    """Box means sampled only where they are needed (patch centres), from summed-area tables: O(1) per sample
    instead of a full-image filter. A box is [c − k//2, c − k//2 + k) on each axis, clipped to the image. The
    tables of the arrays named in `keep` (those read several times) are built once and kept, with the array so
    that its id stays its own, for this object's life — one scan's features; such an array must not change."""

    def __init__(self, shape: tuple[int, int], ys: np.ndarray, xs: np.ndarray) -> None:
        self.shape, self.ys, self.xs = shape, ys, xs
        self._kept: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _bounds(self, c: np.ndarray, k: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        lo = np.clip(c - k // 2, 0, n)
        return lo, np.clip(c - k // 2 + k, 0, n)

    def keep(self, *arrays: np.ndarray) -> None:
        for a in arrays:
            self._kept[id(a)] = (a, self._table(a))

    def _table(self, a: np.ndarray) -> np.ndarray:
        if id(a) in self._kept:
            return self._kept[id(a)][1]
        sat = np.zeros((a.shape[0] + 1, a.shape[1] + 1))
        np.cumsum(np.cumsum(a, axis=0), axis=1, out=sat[1:, 1:])
        return sat

    def mean(self, a: np.ndarray, ky: int, kx: int) -> np.ndarray:
        sat = self._table(a)
        y0, y1 = self._bounds(self.ys, ky, self.shape[0])
        x0, x1 = self._bounds(self.xs, kx, self.shape[1])
        y0, y1, x0, x1 = y0[:, None], y1[:, None], x0[None, :], x1[None, :]
        total = sat[y1, x1] - sat[y0, x1] - sat[y1, x0] + sat[y0, x0]
        return np.asarray(total / np.maximum((y1 - y0) * (x1 - x0), 1))


def _patch_max(a: np.ndarray, m: ScanMaps) -> np.ndarray:
    """Maximum of `a` over each patch, at the patch centres: from s × s block maxima when patches are two strides
    wide and start at the origin (the usual grid), else a full maximum filter."""
    p, s = m.patch, m.stride
    if p != 2 * s or m.ys[0] != s or m.xs[0] != s:
        return np.asarray(ndimage.maximum_filter(a, p)[np.ix_(m.ys, m.xs)])
    h, w = a.shape
    ny, nx = -(-h // s), -(-w // s)
    padded = np.full((ny * s, nx * s), -np.inf)
    padded[:h, :w] = a
    blocks = padded.reshape(ny, s, nx, s).max(axis=(1, 3))
    iy, ix = np.arange(m.ys.size), np.arange(m.xs.size)
    iy1, ix1 = np.minimum(iy + 1, ny - 1), np.minimum(ix + 1, nx - 1)
    return np.asarray(np.maximum(np.maximum(blocks[np.ix_(iy, ix)], blocks[np.ix_(iy1, ix)]),
                                 np.maximum(blocks[np.ix_(iy, ix1)], blocks[np.ix_(iy1, ix1)])))


def _shift(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """`a` moved so that out[y, x] = a[y + dy, x + dx] (edge values beyond the border); `a` itself, not a copy,
    when both shifts are 0."""
    return _shift_axis(_shift_axis(a, dy, 0), dx, 1)


def _shift_axis(a: np.ndarray, d: int, axis: int) -> np.ndarray:
    """`a` moved by `d` along one axis, by slice copies (out[i] = a[i + d], the edge value beyond the border)."""
    n = a.shape[axis]
    if d == 0 or n == 0:
        return a
    d = max(-n, min(n, d))
    src, dst = np.moveaxis(a, axis, 0), np.empty_like(np.moveaxis(a, axis, 0))
    if d > 0:
        dst[:n - d], dst[n - d:] = src[d:], src[-1]
    else:
        dst[-d:], dst[:-d] = src[:n + d], src[0]
    return np.moveaxis(dst, 0, axis)


def _bar_contrasts(ex: np.ndarray, m: ScanMaps, width_mm: float, length_mm: float
                   ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per orientation (lying, standing): the mean of `ex` over a `width_mm` × `length_mm` bar less the larger of
    the two bars beside it (1.5 widths to each side), and less the larger of the two bars continuing it beyond
    either end; full-size maps. Sizes are floored at 2 × 5 pixels on coarse scans."""
    wd, ln = max(2, int(round(width_mm / m.px_mm))), max(5, int(round(length_mm / m.px_mm)))
    side, cap = int(round(1.5 * wd)), ln
    out = []
    for size, across, along in (((ln, wd), (0, side), (cap, 0)), ((wd, ln), (side, 0), (0, cap))):
        c = ndimage.uniform_filter(ex, size)
        out.append((c - np.maximum(_shift(c, *across), _shift(c, -across[0], -across[1])),
                    c - np.maximum(_shift(c, *along), _shift(c, -along[0], -along[1]))))
    return out


def _isolated(contrasts: list[tuple[np.ndarray, np.ndarray]], m: ScanMaps) -> np.ndarray:
    return np.maximum(*(_patch_max(np.minimum(s, e), m) for s, e in contrasts))


def _bars(ex: np.ndarray, m: ScanMaps, width_mm: float, length_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """A blade-pack-shaped matched filter on the excess: (patch maximum of) the mean excess over a `width_mm` ×
    `length_mm` bar, either orientation, less the larger of the two bars beside it (1.5 widths to each side); and
    the same for an isolated bar, also less the larger of the two bars continuing it beyond either end. A chassis
    or a scrap piece is too short to fill the bar, a block edge has goods as dense on one side, a frame member or
    drum wall continues past the ends; a blade pack or a gun's slide does neither (`_bar_contrasts`)."""
    contrasts = _bar_contrasts(ex, m, width_mm, length_mm)
    return _patch_max(np.maximum(*(s for s, _e in contrasts)), m), _isolated(contrasts, m)


def _bar_isolated(ex: np.ndarray, m: ScanMaps, width_mm: float, length_mm: float) -> np.ndarray:
    """Only the isolated bar of `_bars` (the short bars are used no other way)."""
    return _isolated(_bar_contrasts(ex, m, width_mm, length_mm), m)


def patch_features(m: ScanMaps) -> np.ndarray:
    """(n_rows × n_cols, len(PATCH_FEATURES)) features, row-major over the patch grid."""
    p, a_h, r = m.patch, m.a_h, m.r
    u = ndimage.uniform_filter
    h, w = a_h.shape
    b = _Boxes((h, w), m.ys, m.xs)
    wgt = (a_h > 0.15).astype(np.float64)
    rw = r * wgt
    b.keep(a_h)  # read several times
    mean = b.mean(a_h, p, p)
    std = np.sqrt(np.maximum(b.mean(a_h * a_h, p, p) - mean * mean, 0))
    ctx_row = b.mean(a_h, max(3, p // 2), 8 * p)
    ctx_col = b.mean(a_h, 4 * p, max(3, p // 2))
    r_mean = b.mean(rw, p, p) / np.maximum(b.mean(wgt, p, p), 1e-3)
    frac_hz = b.mean(((r < R_METAL) & (a_h > 0.3)).astype(np.float64), p, p)
    frac_metal = b.mean(((r < R_MIXED) & (r >= R_METAL) & (a_h > 0.3)).astype(np.float64), p, p)
    grad = b.mean(np.abs(ndimage.sobel(a_h, 0)) + np.abs(ndimage.sobel(a_h, 1)), p, p)
    lap = b.mean(np.abs(ndimage.laplace(u(a_h, 3))), p, p)
    yy, xx = np.meshgrid(m.ys, m.xs, indexing="ij")
    # distance to the nearer end of the image, capped at 1.5 m: the container's corner posts and doors sit there
    end_dist = np.minimum(np.minimum(xx, w - 1 - xx) * m.px_mm / 1500.0, 1.0)
    # excess over the robust goods background (background.py): what an added object leaves
    ex, ex_l = m.res.excess_h, m.res.excess_l
    ex_mean = b.mean(ex, p, p)
    ex_low = b.mean(ex_l, p, p)
    noise = np.sqrt(np.maximum(b.mean(ex * ex, 4 * p, 4 * p), 0.0)) + 0.01  # summed-area rounding can dip below 0
    # thin steel (a blade pack, a gun's slide): the strongest excess along a 15 cm line, either orientation,
    # anywhere in the patch, and the low/high ratio of that excess (iron 1.18, organics 1.45, lead 0.96)
    ln = max(3, int(round(150 / m.px_mm)))
    line = _patch_max(np.maximum(u(ex, (3, ln)), u(ex, (ln, 3))), m)
    line_l = _patch_max(np.maximum(u(ex_l, (3, ln)), u(ex_l, (ln, 3))), m)
    bar, bar_iso = _bars(ex, m, 50, 250)
    bar_short = _bar_isolated(ex, m, 40, 150)
    # the same bars on the iron-equivalent attenuation (materials.iron_equivalent: organic goods cancel): a blade
    # in plastic waste, paper or on top of a carton stack, where the 6 MeV excess is lost in the goods' texture or
    # taken against the wrong background; the bars' own sides are its background there. Not where the 3 MeV
    # image is too dark to tell materials apart (0 there; the share of such pixels is a feature of its own)
    dark = ndimage.maximum_filter(m.a_l > ALPHA_LOW_DARK, 5)
    steel = np.where(dark, 0.0, iron_equivalent(a_h, m.a_l))
    steel_bar, steel_iso = _bars(steel, m, 50, 250)
    steel_short = _bar_isolated(steel, m, 40, 150)
    # the thin excess (background.thin_excess): a blade or a gun beside a goods edge, against its own side of it
    thin_h, thin_l = thin_excess(a_h, m.px_mm), thin_excess(m.a_l, m.px_mm)
    thin_mean = b.mean(thin_h, p, p)
    thin_bar, thin_iso = _bars(thin_h, m, 50, 250)
    cols = [mean, std, mean - ctx_col, r_mean, frac_hz, frac_metal, grad, yy / h, ctx_row, lap, end_dist,
            ex_mean, _patch_max(u(ex, 3), m), b.mean(m.res.col_h, p, p), ex_low,
            np.clip(ex_low / np.maximum(ex_mean, 0.05), 0.0, 3.0), ex_mean / noise,
            line, np.clip(line_l / np.maximum(line, 0.05), 0, 3), bar, bar_iso, bar_short,
            steel_bar, steel_iso, steel_short, b.mean(dark.astype(np.float64), p, p),
            _patch_max(u(thin_h, 3), m), thin_mean,
            np.clip(b.mean(thin_l, p, p) / np.maximum(thin_mean, 0.05), 0.0, 3.0), thin_bar, thin_iso,
            _bar_isolated(thin_h, m, 40, 150)]
    return np.column_stack([np.asarray(c, dtype=np.float64).ravel() for c in cols])


def patch_boxes(m: ScanMaps) -> np.ndarray:
    """(n, 4) patch rectangles x0, y0, x1, y1 in pixels, row-major like `patch_features`."""
    yy, xx = np.meshgrid(m.ys, m.xs, indexing="ij")
    half = m.patch // 2
    return np.column_stack([(xx - half).ravel(), (yy - half).ravel(), (xx + half).ravel(), (yy + half).ravel()])


def signature(m: ScanMaps) -> np.ndarray:
    """Whole-scan goods signature (SIGNATURE_FEATURES): what a typical-goods library stores per goods kind."""
    a_h, r = m.a_h, m.r
    h, w = a_h.shape
    roof, floor = int(round(60 / m.px_mm)) + 1, h - int(round(160 / m.px_mm)) - 1
    body = a_h[roof:floor]
    rb = r[roof:floor]
    col_alpha = body.mean(axis=0)
    inside = col_alpha > 0.05
    wall = np.median(body[:, inside], axis=None) if inside.any() else 0.0
    # the container's own steel (walls) is the lowest level inside; goods are what is above it
    base = np.percentile(col_alpha[inside], 2) if inside.any() else 0.0
    goods = body - min(base, wall)
    cargo = goods > 0.12
    cols = cargo.mean(axis=0)
    n_inside = max(1, int(inside.sum()))
    loaded = float((cols[inside] > 0.1).sum() / n_inside)
    if cargo.sum() < 20:
        vals = np.zeros(1)
        rv = np.full(1, R_ORGANIC)
    else:
        vals = goods[cargo]
        rv = rb[cargo]
    rows_with = cargo.any(axis=1)
    height = float(rows_with.mean())
    strong = cargo & (body > 0.3)
    n_strong = max(1, int(strong.sum()))
    rs = rb[strong]
    organic = float((rs >= R_ORGANIC).sum() / n_strong)
    mixed = float(((rs < R_ORGANIC) & (rs >= R_MIXED)).sum() / n_strong)
    metal = float(((rs < R_MIXED) & (rs >= R_METAL)).sum() / n_strong)
    high_z = float((rs < R_METAL).sum() / n_strong)
    hp = goods - ndimage.uniform_filter(goods, 5)
    texture = float(np.sqrt((hp[cargo] ** 2).mean()) / (vals.mean() + 0.05)) if cargo.any() else 0.0
    loaded_cols = cols > 0.1
    col_var = float(col_alpha[loaded_cols].std() / (col_alpha[loaded_cols].mean() + 0.05)) if loaded_cols.any() else 0.0
    row_alpha = np.where(cargo, goods, 0).sum(axis=1) / np.maximum(cargo.sum(axis=1), 1)
    row_var = float(row_alpha[rows_with].std() / (row_alpha[rows_with].mean() + 0.05)) if rows_with.any() else 0.0
    tops = np.where(cargo.any(axis=0), cargo.argmax(axis=0), body.shape[0]).astype(np.float64)
    tl = tops[loaded_cols]
    top_rough = float(np.abs(np.diff(tl)).mean() / max(1, body.shape[0]) * 100) if tl.size > 2 else 0.0
    opaque = float((body > 7).mean())
    prof = col_alpha[loaded_cols] - col_alpha[loaded_cols].mean() if loaded_cols.sum() > 16 else np.zeros(16)
    spec = np.abs(np.fft.rfft(prof)) ** 2
    periodic = float(spec[2:].max() / (spec[2:].sum() + 1e-9)) if spec.size > 3 else 0.0
    return np.array([loaded, height, float(vals.mean()), *np.percentile(vals, [10, 50, 90, 99]).tolist(), organic,
                     mixed, metal, high_z, float(np.median(rv)), texture, col_var, row_var, top_rough, opaque,
                     periodic])
