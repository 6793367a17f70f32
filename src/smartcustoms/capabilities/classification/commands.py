"""What the classification capability accepts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GoodsText:
    """One goods item as declared: 商品名称, 规格型号 and optional 品牌, 用途, 材质."""

    name: str
    spec: str = ""
    brand: str = ""
    use: str = ""
    material: str = ""


@dataclass(frozen=True)
class RecordDecision:
    """An officer confirms the suggested code or corrects it (归类确认 / 归类更正)."""

    name: str
    spec: str
    confirmed_code: str
    predicted_code: str | None = None
    note: str = ""
