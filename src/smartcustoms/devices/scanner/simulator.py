"""Physics-based dual-energy transmission images of 20 ft and 40 ft containers (side view, line scanner).

Geometry: image rows run from the roof (row 0) to the floor, columns along the container; the beam crosses the
container's width (235 cm inside). Each pixel's areal density (g/cm²) per material is built from the container
shell (two 2 mm steel side walls with corrugation, corner posts, a 28 mm hardwood floor with steel cross members,
the roof rail), the goods and any concealed object; T = exp(−Σ μ/ρ · ad) at 3 and 6 MeV (physics.py), blurred
slightly (scatter / focal spot), then counted with Poisson noise (imaging.md §2.4 assumes N0 = 2×10⁴ counts per
5 mm pixel, one figure for both energies; scaled here with the pixel's area, since a detector element's counts grow
with its area: 8×10⁴ per 10 mm pixel), with detector artefacts: per-row gain residuals (0.4 %), linac
pulse-to-pulse intensity residuals per column (0.3 %) and, sometimes, a dead detector row. Stored as 16-bit
transmission (T × 65535).

Default resolution 10 mm per pixel: a 40 ft scan is 260 × 1280 px, a 20 ft scan 260 × 666 px (0.3 m of air at
both ends). Everything is deterministic from the seed (numpy's PCG64 generator; a simulator, not a decision).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from smartcustoms.devices.scanner.physics import MATERIALS, transmission

GOODS: tuple[str, ...] = ("textiles", "machinery", "electronics", "paper", "metal_scrap", "plastic_waste",
                          "liquids", "furniture", "empty")
WASTE: frozenset[str] = frozenset({"metal_scrap", "plastic_waste"})
OBJECTS: tuple[str, ...] = ("gun", "knife", "drugs", "cigarettes", "high_z")
ALERT_OF: dict[str, str] = {"gun": "weapon", "knife": "weapon", "drugs": "drug", "cigarettes": "drug",
                            "high_z": "high_z"}

INNER_WIDTH_CM = 235.0
HEIGHT_MM = 2600
LENGTH_MM = {"20": 6058, "40": 12192}
AIR_MM = 300
N0_PER_CM2 = 8.0e4
"""Unattenuated counts per cm² of detector at 3 and 6 MeV alike (imaging.md §2.4 assumes 2×10⁴ per 5 mm pixel)."""


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels (x along the container, y from the top) with a label."""

    x: int
    y: int
    w: int
    h: int
    label: str

    def as_dict(self) -> dict[str, int | str]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h, "label": self.label}


@dataclass(frozen=True)
class ObjectSpec:
    """A concealed object: kind, position as fractions of the cargo space (0..1), size scale."""

    kind: str
    fx: float
    fy: float
    scale: float = 1.0


@dataclass(frozen=True)
class ScanSpec:
    size: str = "40"
    goods: tuple[tuple[str, float], ...] = (("textiles", 1.0),)
    """(goods kind, share of the loaded length) in loading order."""
    objects: tuple[ObjectSpec, ...] = ()
    fill: float | None = None
    """Share of the length that is loaded (None: drawn from the seed)."""
    px_mm: float = 10.0
    seed: int = 0


@dataclass
class ScanImage:
    high: np.ndarray  # uint16, T × 65535 at 6 MeV
    low: np.ndarray  # uint16, T × 65535 at 3 MeV
    px_mm: float
    objects: list[Box] = field(default_factory=list)
    goods: tuple[tuple[str, float], ...] = ()
    cargo: Box | None = None
    segments: list[Box] = field(default_factory=list)
    """Where each goods segment (a kind or a lot) was loaded, labelled with its kind."""

    @property
    def shape(self) -> tuple[int, int]:
        return self.high.shape  # type: ignore[return-value]


def _px(mm: float, px_mm: float) -> int:
    return max(1, int(round(mm / px_mm)))


class _Canvas:
    def __init__(self, h: int, w: int) -> None:
        self.maps: dict[str, np.ndarray] = {m: np.zeros((h, w)) for m in MATERIALS}

    def add(self, material: str, y0: int, y1: int, x0: int, x1: int, ad: float | np.ndarray) -> None:
        self.maps[material][y0:y1, x0:x1] += ad


# --- goods ------------------------------------------------------------------------------------------------------
def _cartons(rng: np.random.Generator, h: int, w: int, px: float, cw: tuple[float, float], ch: tuple[float, float],
             fill_h: int) -> list[tuple[int, int, int, int]]:
    """Stacks of cartons filling [0, w) × [h − fill_h, h): (y0, y1, x0, x1), 2 cm gaps."""
    boxes = []
    gap = _px(20, px)
    x = 0
    while x < w:
        bw = _px(rng.uniform(*cw), px)
        bh = _px(rng.uniform(*ch), px)
        y = h
        while y - bh >= h - fill_h:
            boxes.append((y - bh + gap // 2, y, x, min(w, x + bw - gap)))
            y -= bh
        x += bw
    return boxes


def _goods(canvas: _Canvas, rng: np.random.Generator, kind: str, y_floor: int, x0: int, x1: int, px: float,
           max_h: int) -> None:
    """Load goods of one kind between columns x0..x1, standing on row y_floor."""
    w = x1 - x0
    if w <= 0 or kind == "empty":
        return
    width = INNER_WIDTH_CM
    sub = {m: np.zeros((y_floor, w)) for m in MATERIALS}

    def put(material: str, y0: int, y1: int, a0: int, a1: int, ad: float | np.ndarray) -> None:
        sub[material][max(0, y0):y1, max(0, a0):a1] += ad

    if kind in ("textiles", "paper", "electronics"):
        fill_h = int(max_h * rng.uniform(0.65, 0.97))
        if kind == "textiles":
            rho = rng.uniform(0.15, 0.30)
            for y0, y1, a0, a1 in _cartons(rng, y_floor, w, px, (500, 700), (400, 550), fill_h):
                put("polyethylene", y0, y1, a0, a1, rho * width * rng.uniform(0.85, 1.15))
        elif kind == "paper":
            rho = rng.uniform(0.35, 0.55)
            for y0, y1, a0, a1 in _cartons(rng, y_floor, w, px, (900, 1100), (800, 1000), fill_h):
                put("cellulose", y0, y1, a0, a1, rho * width * rng.uniform(0.95, 1.05))
        else:
            for y0, y1, a0, a1 in _cartons(rng, y_floor, w, px, (450, 550), (350, 450), fill_h):
                put("polyethylene", y0, y1, a0, a1, 0.07 * width * rng.uniform(0.8, 1.2))
                put("aluminium", y0, y1, a0, a1, 0.008 * width)
                # one chassis / power supply per carton: a small steel block at a random spot
                bh, bw = max(1, (y1 - y0) // 3), max(1, (a1 - a0) // 3)
                cy, cx = rng.integers(y0, max(y0 + 1, y1 - bh)), rng.integers(a0, max(a0 + 1, a1 - bw))
                put("iron", cy, cy + bh, cx, cx + bw, rng.uniform(4, 10))
    elif kind == "machinery":
        a = 0
        while a < w:
            bw = _px(rng.uniform(800, 2000), px)
            bh = min(max_h, _px(rng.uniform(600, 1800), px))
            y0 = y_floor - bh
            put("iron", y0, y_floor, a, a + bw - _px(50, px), rng.uniform(3, 8))  # crate frame / sheet
            for _ in range(int(rng.integers(2, 6))):
                pw, ph = _px(rng.uniform(100, 600), px), _px(rng.uniform(100, 600), px)
                py = int(rng.integers(y0, max(y0 + 1, y_floor - ph)))
                pxx = int(rng.integers(a, max(a + 1, a + bw - pw)))
                put("iron", py, py + ph, pxx, min(a + bw, pxx + pw), rng.uniform(15, 90))
            put("polyethylene", y0, y_floor, a, a + bw, rng.uniform(2, 6))  # packing, oil
            a += bw
    elif kind == "metal_scrap":
        top = y_floor - (max_h * rng.uniform(0.35, 0.75))
        prof = top + np.cumsum(rng.normal(0, 1.5 * 10 / px, w))
        prof = np.clip(prof, y_floor - max_h, y_floor - 5)
        rows = np.arange(y_floor)[:, None]
        heap = rows >= prof[None, :]
        base = rng.uniform(0.10, 0.25) * width
        tex = ndimage.gaussian_filter(rng.standard_normal((y_floor, w)), 2.5 * 10 / px)
        tex = tex / (tex.std() + 1e-9)
        sub["iron"] += heap * np.clip(base * (1 + 0.6 * tex), 0, None)
        for _ in range(int(w * px / 250)):
            pw, ph = _px(rng.uniform(50, 400), px), _px(rng.uniform(30, 200), px)
            cx = int(rng.integers(0, w))
            cy = int(rng.integers(int(prof[min(cx, w - 1)]), y_floor))
            put("iron", cy, cy + ph, cx, cx + pw, rng.uniform(5, 40))
        sub["iron"] *= heap
    elif kind == "plastic_waste":
        fill_h = int(max_h * rng.uniform(0.6, 0.95))
        tex = ndimage.gaussian_filter(rng.standard_normal((y_floor, w)), 1.5 * 10 / px)
        tex = tex / (tex.std() + 1e-9)
        for y0, y1, a0, a1 in _cartons(rng, y_floor, w, px, (1000, 1300), (900, 1200), fill_h):
            rho = rng.uniform(0.18, 0.35)
            put("polyethylene", y0, y1, a0, a1, np.clip(rho * width * (1 + 0.45 * tex[y0:y1, a0:a1]), 0, None))
            for s in range(3):  # steel baling wires
                sx = a0 + (s + 1) * (a1 - a0) // 4
                put("iron", y0, y1, sx, sx + 1, 3.0)
        speck = (rng.random((y_floor, w)) < 0.004) * rng.uniform(2, 12, (y_floor, w))  # contamination
        sub["iron"] += speck * (sub["polyethylene"] > 0)
    elif kind == "liquids":
        dw, dh = _px(600, px), _px(880, px)
        level = rng.uniform(0.8, 0.95)
        r = dw / 2
        xs = np.arange(dw) + 0.5
        chord = 2 * np.sqrt(np.clip(r * r - (xs - r) ** 2, 0, None)) * px / 10  # cm
        n_across = 4
        density = rng.uniform(0.9, 1.3)
        for tier in range(2 if max_h >= 2 * dh else 1):
            yb = y_floor - tier * dh
            a = 0
            while a + dw <= w:
                liquid_top = yb - int(dh * level)
                put("water", liquid_top, yb, a, a + dw, (n_across * chord * density)[None, :])
                put("iron", yb - dh, yb, a, a + dw, n_across * 2 * 0.12 * MATERIALS["iron"].density)
                a += dw + _px(20, px)
    elif kind == "furniture":
        a = 0
        while a < w:
            bw, bh = _px(rng.uniform(800, 1600), px), min(max_h, _px(rng.uniform(700, 1900), px))
            y0 = y_floor - bh
            t = _px(40, px)
            wood = rng.uniform(0.25, 0.5) * width * 0.6
            put("cellulose", y0, y0 + t, a, a + bw, wood)  # frame
            put("cellulose", y_floor - t, y_floor, a, a + bw, wood)
            put("cellulose", y0, y_floor, a, a + t, wood)
            put("cellulose", y0, y_floor, a + bw - 2 * t, a + bw - t, wood)
            put("polyethylene", y0, y_floor, a, a + bw, rng.uniform(3, 10))  # foam, wrapping
            put("cellulose", y0, y_floor, a, a + bw, rng.uniform(4, 12))  # panels
            a += bw + _px(100, px)
    else:
        raise ValueError(f"unknown goods kind {kind!r}")
    for m, arr in sub.items():
        canvas.maps[m][:y_floor, x0:x1] += arr


# --- concealed objects ------------------------------------------------------------------------------------------
def _object_masks(kind: str, rng: np.random.Generator, px: float, scale: float) -> dict[str, np.ndarray]:
    """Areal density (g/cm²) patch per material for one concealed object."""
    def grid(w_mm: float, h_mm: float) -> np.ndarray:
        return np.zeros((_px(h_mm * scale, px), _px(w_mm * scale, px)))

    iron_rho = MATERIALS["iron"].density
    if kind == "gun":
        m = grid(240, 150)
        h, w = m.shape
        m[: max(1, h // 3), :] = 2.5 * iron_rho  # slide and barrel
        m[:, max(0, w - max(1, w // 4)):] = 3.0 * iron_rho  # grip with magazine
        out = {"iron": m}
    elif kind == "knife":
        m = grid(340, 70)  # a pack of blades, 1.5 cm of steel stacked
        h, w = m.shape
        m[:, :] = 1.5 * iron_rho
        m[: max(1, h // 2), : max(1, w // 4)] = 0.0  # the tip
        out = {"iron": m}
    elif kind == "drugs":
        m = grid(rng.uniform(400, 700), rng.uniform(300, 450))
        thick = rng.uniform(20, 40) * 1.2  # cm × g/cm³
        m[:, :] = thick
        m[:, :: max(2, _px(200, px))] *= 0.5  # brick seams
        out = {"polyethylene": m}
    elif kind == "cigarettes":
        m = grid(rng.uniform(1000, 1500), rng.uniform(700, 1100))
        m[:, :] = 0.22 * INNER_WIDTH_CM
        m[:: max(2, _px(250, px)), :] *= 0.6  # master cartons
        out = {"cellulose": m, "replace": np.ones_like(m)}
    elif kind == "high_z":
        m = grid(rng.uniform(150, 300), rng.uniform(100, 250))
        m[:, :] = rng.uniform(5, 12) * MATERIALS["lead"].density
        out = {"lead": m}
    else:
        raise ValueError(f"unknown object kind {kind!r}")
    turn = int(rng.integers(0, 4))
    return {k: np.rot90(v, turn) if kind in ("gun", "knife") else v for k, v in out.items()}


# --- rendering --------------------------------------------------------------------------------------------------
def render(spec: ScanSpec) -> ScanImage:
    """Render one dual-energy scan from its specification (deterministic in `spec.seed`)."""
    rng = np.random.default_rng(spec.seed)
    px = spec.px_mm
    length = LENGTH_MM[spec.size]
    h, w = _px(HEIGHT_MM, px), _px(length + 2 * AIR_MM, px)
    cx0, cx1 = _px(AIR_MM, px), _px(AIR_MM + length, px)
    canvas = _Canvas(h, w)
    roof, floor = _px(60, px), h - _px(160, px)
    # shell: both side walls (2 × 2 mm steel) with corrugation every 278 mm, corner posts, roof rail, floor
    wall = np.full(cx1 - cx0, 2 * 0.2 * MATERIALS["iron"].density)
    period = 278 / px
    wall += 1.2 * (np.sin(2 * np.pi * np.arange(cx1 - cx0) / period) > 0.3)
    canvas.maps["iron"][roof:floor, cx0:cx1] += wall[None, :]
    canvas.add("iron", 0, roof, cx0, cx1, 40.0)
    post = _px(150, px)
    canvas.add("iron", 0, h, cx0, cx0 + post, 25.0)
    canvas.add("iron", 0, h, cx1 - post, cx1, 25.0)
    canvas.add("cellulose", floor, floor + _px(28, px), cx0, cx1, 0.7 * INNER_WIDTH_CM)
    canvas.add("iron", floor + _px(28, px), h, cx0, cx1, 30.0)
    canvas.maps["iron"][floor:h, cx0:cx1][:, :: _px(300, px)] += 60.0  # cross members
    # goods
    ix0, ix1 = cx0 + post, cx1 - post
    fill = spec.fill if spec.fill is not None else float(rng.uniform(0.75, 1.0))
    loaded = int((ix1 - ix0) * fill)
    max_h = floor - roof - _px(100, px)
    a = ix0
    total = sum(share for _k, share in spec.goods) or 1.0
    segments: list[Box] = []
    for kind, share in spec.goods:
        seg = int(round(loaded * share / total))
        _goods(canvas, rng, kind, floor, a, min(ix1, a + seg), px, max_h)
        segments.append(Box(a, roof, max(0, min(ix1, a + seg) - a), floor - roof, kind))
        a += seg
    cargo = Box(ix0, roof, ix1 - ix0, floor - roof, "cargo")
    # concealed objects (threat image projection is multiplicative in T, i.e. additive in areal density)
    boxes: list[Box] = []
    for obj in spec.objects:
        patch = _object_masks(obj.kind, rng, px, obj.scale)
        replace = patch.pop("replace", None)
        ph, pw = next(iter(patch.values())).shape
        oy = roof + int(obj.fy * max(1, floor - roof - ph))
        ox = ix0 + int(obj.fx * max(1, ix1 - ix0 - pw))
        if replace is not None:
            for arr in canvas.maps.values():
                arr[oy:oy + ph, ox:ox + pw][:, :] = np.where(replace > 0, 0.0, arr[oy:oy + ph, ox:ox + pw])
            canvas.maps["iron"][oy:oy + ph, ox:ox + pw] += wall[ox - cx0:ox - cx0 + pw][None, :]
        for material, arr in patch.items():
            canvas.maps[material][oy:oy + ph, ox:ox + pw] += arr
        boxes.append(Box(ox, oy, pw, ph, obj.kind))
    t_low, t_high = transmission(canvas.maps)
    blur = 0.6 * 10 / px
    if blur > 0.3:
        t_low, t_high = ndimage.gaussian_filter(t_low, blur), ndimage.gaussian_filter(t_high, blur)
    n0 = counts_per_pixel(px)
    high = _detect(rng, t_high, n0)
    low = _detect(rng, t_low, n0)
    return ScanImage(high=high, low=low, px_mm=px, objects=boxes, goods=spec.goods, cargo=cargo,
                     segments=segments)


def counts_per_pixel(px_mm: float) -> float:
    """Unattenuated counts of one pixel: N0 per unit area times the pixel's area (8×10⁴ at 10 mm/px)."""
    return N0_PER_CM2 * (px_mm / 10.0) ** 2


def _detect(rng: np.random.Generator, t: np.ndarray, n0: float) -> np.ndarray:
    h, w = t.shape
    gain = 1 + rng.normal(0, 0.004, (h, 1))
    pulse = 1 + rng.normal(0, 0.003, (1, w))
    counts = rng.poisson(n0 * t * gain * pulse)
    measured = counts / n0
    if rng.random() < 0.3:  # a dead detector element: one row reads (nearly) nothing
        measured[int(rng.integers(0, h))] = 0.0
    return np.clip(np.round(measured * 65535), 1, 65535).astype(np.uint16)


def attenuation(image: np.ndarray) -> np.ndarray:
    """α = −ln T from a 16-bit transmission image."""
    return -np.log(np.clip(image.astype(np.float64), 1, 65535) / 65535.0)
