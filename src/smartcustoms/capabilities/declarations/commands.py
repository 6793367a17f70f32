"""Commands the declarations capability accepts (plain dataclasses; the API turns JSON into these)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from smartcustoms.capabilities.declarations.domain import PENDING, ScreeningResult

# PENDING and ScreeningResult are re-exported: what a screener installed by another capability answers.
__all__ = ["PENDING", "AddAttachment", "ApplyScreening", "BillLine", "FileManifest", "GoodsLine", "ScreeningResult",
           "SubmitDeclaration", "TransitionDeclaration"]


@dataclass(frozen=True)
class GoodsLine:
    """One goods item (商品项) as submitted."""

    seq: int
    hs_code: str
    name: str
    spec: str
    quantity: Decimal
    unit: str
    legal_quantity: Decimal
    legal_unit: str
    unit_price: Decimal
    total: Decimal
    currency: str
    origin_country: str
    destination_country: str


@dataclass(frozen=True)
class SubmitDeclaration:
    """A declaration (报关单) as submitted. `trader`, `owner` and `agent` are USCCs or 10-character customs
    codes; `agent` defaults to the trader (self-declaration)."""

    number: str
    direction: str
    customs_code: str
    port_code: str
    trader: str
    trade_mode: str
    transport_mode: str
    transport_name: str
    trade_country: str
    departure_country: str
    destination_country: str
    terms: str
    currency: str
    gross_weight: Decimal
    net_weight: Decimal
    packages: int
    items: tuple[GoodsLine, ...]
    owner: str | None = None
    agent: str | None = None
    bill_no: str | None = None


@dataclass(frozen=True)
class TransitionDeclaration:
    """An officer's manual step: order_inspection, record_inspection (with `result`), release, hold, close."""

    declaration_id: str
    action: str
    result: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ApplyScreening:
    """A screening decision made after submission (the risk capability's batch draw), applied automatically:
    screen with `channel` (``release`` / ``inspection``) and `reasons` ((rule, message key, params), ...), then
    release or order inspection. `details` (e.g. the drawn officer, the inspection method) go into the audit
    entries as they are."""

    declaration_id: str
    channel: str
    reasons: tuple[tuple[str, str, dict[str, str]], ...] = ()
    details: dict[str, object] | None = None


@dataclass(frozen=True)
class AddAttachment:
    declaration_id: str
    kind: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class BillLine:
    """A bill of lading (提运单) on a manifest, with its container numbers (ISO 6346)."""

    bill_no: str
    shipper: str
    consignee: str
    goods_description: str
    packages: int
    gross_weight: Decimal
    containers: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileManifest:
    """A manifest (舱单) filed by a carrier or its agent."""

    number: str
    transport_mode: str
    transport_name: str
    voyage: str
    port_code: str
    arrival_at: datetime
    bills: tuple[BillLine, ...]
