"""Pure rules of machine inspection: decisions and their regions, device statuses, the goods kind a declaration's
HS codes imply, the queue's order and the non-random least-loaded assignment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from smartcustoms.kernel.errors import FieldError


class Decision(StrEnum):
    PASS = "pass"  # 放行 / 未见异常
    SUSPECT = "suspect"  # 嫌疑 → 转人工查验 with marked regions
    HOLD = "hold"  # 挂起 (联合研判 / consult)


class DeviceStatus(StrEnum):
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"


class ScanStatus(StrEnum):
    QUEUED = "queued"
    ASSIGNED = "assigned"
    DECIDED = "decided"


REGION_LABELS = ("weapon", "drug", "high_z", "contraband", "mismatch", "waste", "anomaly")
FILING_GRADES = frozenset({"advanced_certified", "general_certified"})
"""Enterprise credit grades allowed to file products (高级认证 / 一般认证)."""


@dataclass(frozen=True)
class Region:
    x: int
    y: int
    w: int
    h: int
    label: str

    def as_dict(self) -> dict[str, int | str]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h, "label": self.label}


def check_regions(raw: Sequence[Mapping[str, object]], width: int, height: int) -> tuple[list[Region],
                                                                                         list[FieldError]]:
    """Regions inside the image, positive size, known label; all errors at once."""
    out, errors = [], []
    for i, r in enumerate(raw):
        try:
            x, y, w, h = (int(r[k]) for k in ("x", "y", "w", "h"))  # type: ignore[call-overload]
        except (KeyError, TypeError, ValueError):
            errors.append(FieldError(f"regions.{i}", "imaging.region_invalid"))
            continue
        label = str(r.get("label", "anomaly"))
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width or y + h > height or label not in REGION_LABELS:
            errors.append(FieldError(f"regions.{i}", "imaging.region_invalid"))
            continue
        out.append(Region(x, y, w, h, label))
    return out, errors


def check_decision(decision: str, regions: Sequence[Region]) -> list[FieldError]:
    if decision not in {d.value for d in Decision}:
        return [FieldError("decision", "imaging.decision_invalid")]
    if decision == Decision.SUSPECT and not regions:
        return [FieldError("regions", "imaging.regions_required")]
    return []


HS_GOODS: tuple[tuple[str, str], ...] = (
    # (HS prefix, goods kind); longest prefix wins
    ("3915", "plastic_waste"), ("7204", "metal_scrap"), ("7404", "metal_scrap"), ("7602", "metal_scrap"),
    ("4707", "paper"), ("47", "paper"), ("48", "paper"), ("49", "paper"),
    *((f"{c:02d}", "textiles") for c in range(50, 64)),
    ("84", "machinery"), ("85", "electronics"), ("94", "furniture"),
    ("22", "liquids"), ("27", "liquids"), ("28", "liquids"), ("29", "liquids"), ("15", "liquids"),
)


def goods_kind(hs_codes: Iterable[str]) -> str | None:
    """The simulator's goods kind most of the declared HS codes map to (None when none maps)."""
    votes: dict[str, int] = {}
    for code in hs_codes:
        best = max((p for p, _k in HS_GOODS if code.startswith(p)), key=len, default=None)
        if best is not None:
            kind = dict(HS_GOODS)[best]
            votes[kind] = votes.get(kind, 0) + 1
    return max(sorted(votes), key=lambda k: votes[k]) if votes else None


def queue_key(risk: float | None, received_order: str) -> tuple[float, str]:
    """Highest AI risk first, then first come (scans without an analysis count as risk 0.5)."""
    return (-(risk if risk is not None else 0.5), received_order)


def least_loaded(open_counts: Mapping[str, int], on_duty_since: Mapping[str, str]) -> str | None:
    """Non-random assignment: the on-duty reviewer with the fewest open scans; ties go to the one on duty
    longest, then to the smaller user id. Deterministic, so the same state always gives the same reviewer."""
    if not on_duty_since:
        return None
    return min(on_duty_since, key=lambda u: (open_counts.get(u, 0), on_duty_since[u], u))
