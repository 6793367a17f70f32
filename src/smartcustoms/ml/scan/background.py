"""A robust model of the goods around every pixel, and the residual an added object leaves against it.

Loads repeat along the container (carton stacks, drums, bales) and, within one stack, down the column. So the
background at a pixel is estimated twice with running medians, which ignore an object much smaller than their
window: along the row (same height, ±1.2 m of neighbouring columns) and down the column (same position along
the container, ±0.6 m of neighbouring rows). A concealed object adds attenuation against both, most goods
structure (a stack edge, a drum wall, a machine part, the end of the load) only against one of them. So the
excess the object itself adds is the residual against whichever background explains the goods around the pixel
better: the one with the smaller mean absolute residual over 30 cm of its own direction (the row median along
the row, the column median down the column). Taking simply the smaller of the two residuals fails where one
background is far off: in the head space of a tier of drums the column median is the liquid below, and anything
there sat far below it. The residuals are computed at both energies: their ratio is the object's own
R = μ_L/μ_H, whatever the goods in front of and behind it (Beer–Lambert is additive in attenuation).

The medians run on 4 cm bins along their direction, at every other bin, and are interpolated back.

A third background is for thin objects (`thin_excess`): the goods with everything less than 13 cm across taken
out (a grey-scale opening). An opening keeps every step of the goods where it is — a carton stack's top, a drum's
side, a machine part's edge — so a blade or a gun beside such an edge is measured against the goods on its own
side of it, where a median window reaching across the edge is the wrong background. (What stands out of a step
along a width the square fits, such as a blade lying on a stack's top, stays in the opening: only its part
within the goods is seen there.)"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage

ROW_WINDOW_MM = 2400.0
COL_WINDOW_MM = 1200.0
STEP_MM = 40.0
FIT_MM = 300.0
"""Side of the neighbourhood over which the two backgrounds' fit to the goods is compared."""
THIN_MM = 130.0
"""The opening's square (`thin_excess`): wider than a blade pack (5–9 cm), a gun's slide or grip (4–8 cm)."""


@dataclass
class Residuals:
    """Per-pixel excess attenuation over the row- and column-median background, at 6 MeV (h) and 3 MeV (l), and
    which of the two fits the goods around each pixel better (`along_row`, chosen at 6 MeV for both energies)."""

    row_h: np.ndarray
    col_h: np.ndarray
    row_l: np.ndarray
    col_l: np.ndarray
    along_row: np.ndarray

    @property
    def excess_h(self) -> np.ndarray:
        return np.where(self.along_row, self.row_h, self.col_h)

    @property
    def excess_l(self) -> np.ndarray:
        return np.where(self.along_row, self.row_l, self.col_l)


def _resample(med: np.ndarray, spacing: int, offset: float, n: int, axis: int) -> np.ndarray:
    """Linear interpolation of samples taken every `spacing` pixels from `offset` back to `n` pixels along
    `axis` (constant beyond the first and last sample)."""
    pos = np.clip((np.arange(n) - offset) / spacing, 0, med.shape[axis] - 1)
    i0 = np.minimum(pos.astype(np.int64), med.shape[axis] - 1)
    i1 = np.minimum(i0 + 1, med.shape[axis] - 1)
    frac = pos - i0
    if axis == 1:
        return np.asarray(med[:, i0] * (1 - frac) + med[:, i1] * frac)
    return np.asarray(med[i0] * (1 - frac)[:, None] + med[i1] * frac[:, None])


def running_median(a: np.ndarray, px_mm: float, axis: int) -> np.ndarray:
    """Median of `a` over a window along `axis` (1: along the row, 0: down the column), same shape as `a`: on
    bins of about 4 cm along that axis, evaluated at every other bin and interpolated back."""
    step = max(1, int(round(STEP_MM / px_mm)))  # pixels per bin along the median's direction
    window_mm = ROW_WINDOW_MM if axis == 1 else COL_WINDOW_MM
    k = max(3, int(round(window_mm / (step * px_mm))) | 1)
    stride = 2
    n = a.shape[axis] // step * step
    if axis == 1:
        small = a[:, :n].reshape(a.shape[0], n // step, step).mean(axis=2, dtype=np.float32)
        pad = np.pad(small, ((0, 0), (k // 2, k // 2)), mode="edge")
        windows = sliding_window_view(pad, k, axis=1)[:, ::stride]
    else:
        small = a[:n].reshape(n // step, step, a.shape[1]).mean(axis=1, dtype=np.float32)
        pad = np.pad(small, ((k // 2, k // 2), (0, 0)), mode="edge")
        windows = sliding_window_view(pad, k, axis=0)[::stride]
    med = np.partition(windows, k // 2, axis=-1)[..., k // 2].astype(np.float64)  # k is odd: the middle one
    return _resample(med, step * stride, (step - 1) / 2, a.shape[axis], axis)


def residuals(a_h: np.ndarray, a_l: np.ndarray, px_mm: float) -> Residuals:
    row_h, col_h = a_h - running_median(a_h, px_mm, 1), a_h - running_median(a_h, px_mm, 0)
    k = max(3, int(round(FIT_MM / px_mm)) | 1)
    # each background's fit is judged along its own direction: the row median along the row, the column median
    # down the column (across a liquid surface, a 30 cm square would judge both by the liquid's)
    along_row = ndimage.uniform_filter(np.abs(row_h), (1, k)) < ndimage.uniform_filter(np.abs(col_h), (k, 1))
    return Residuals(row_h, col_h, a_l - running_median(a_l, px_mm, 1), a_l - running_median(a_l, px_mm, 0),
                     along_row)


def thin_excess(a: np.ndarray, px_mm: float) -> np.ndarray:
    """What stands out of the goods by less than THIN_MM across: `a` less its grey opening with a THIN_MM square
    (a white top-hat). The opening takes away whatever a square that size cannot fit inside — a blade pack, a gun,
    a baling wire, the texture of a heap — and keeps the goods' own steps where they are, so an object beside a
    step is measured against its own side. Never below 0; large objects (drug bricks, cigarettes) are left to the
    medians."""
    k = max(3, int(round(THIN_MM / px_mm)) | 1)
    return np.asarray(a - ndimage.grey_opening(a, size=(k, k)))
