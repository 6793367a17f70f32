"""check_* for submissions: every bad field of a declaration at once, as FieldErrors with message keys.
Pure: the code tables and the enterprises are passed in (looked up in bulk by the service)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache

from smartcustoms.capabilities.declarations.commands import SubmitDeclaration
from smartcustoms.capabilities.declarations.domain import (
    MAX_ITEMS,
    TERMS,
    CodeSets,
    Declaration,
    Direction,
    EnterpriseFacts,
    GoodsItem,
    Lifecycle,
    Quantity,
    line_total_matches,
)
from smartcustoms.kernel.codes import CodeError, validate_customs_code, validate_declaration_number, validate_uscc
from smartcustoms.kernel.errors import FieldError


@lru_cache(maxsize=4096)
def _code_problem(value: str) -> str | None:
    """The message key of what is wrong with a USCC (18 characters) or customs code, or None."""
    try:
        validate_uscc(value) if len(value) == 18 else validate_customs_code(value)
    except CodeError as exc:
        return exc.key
    return None


def normalise_code(code: str | None) -> str | None:
    return code.strip().upper() if code else None


def party_codes(cmd: SubmitDeclaration) -> set[str]:
    return {c for c in (normalise_code(cmd.trader), normalise_code(cmd.owner), normalise_code(cmd.agent)) if c}


def check_submission(cmd: SubmitDeclaration, refs: CodeSets,
                     enterprises: Mapping[str, EnterpriseFacts]) -> list[FieldError]:
    """All field errors of one submission (empty when it is valid). `enterprises`: code → enterprise."""
    errors: list[FieldError] = []

    def err(field: str, key: str, **params: object) -> None:
        errors.append(FieldError(field, key, dict(params)))

    def known(field: str, value: str, table: frozenset[str], key: str) -> None:
        if value not in table:
            err(field, key, value=value)

    direction_ok = cmd.direction in (Direction.IMPORT.value, Direction.EXPORT.value)
    if not direction_ok:
        err("direction", "declarations.direction_invalid", value=cmd.direction)
    try:
        number = validate_declaration_number(cmd.number, direction=cmd.direction if direction_ok else None)
    except CodeError as exc:
        err("number", exc.key)
    else:
        if number[:4] != cmd.customs_code:
            err("number", "declarations.number_customs_mismatch", customs=cmd.customs_code)
    known("customs_code", cmd.customs_code, refs.customs_offices, "declarations.unknown_customs")
    known("port_code", cmd.port_code, refs.customs_offices, "declarations.unknown_port")

    def party(field: str, code: str | None) -> EnterpriseFacts | None:
        value = normalise_code(code)
        if value is None:
            return None
        problem = _code_problem(value)
        if problem is not None:
            err(field, problem)
            return None
        found = enterprises.get(value)
        if found is None:
            err(field, "declarations.enterprise_unknown", value=value)
        return found

    trader = party("trader", cmd.trader)
    party("owner", cmd.owner)
    agent = party("agent", cmd.agent)
    if trader is not None and agent is not None and agent.id != trader.id and agent.kind != "broker":
        err("agent", "declarations.agent_not_broker", value=normalise_code(cmd.agent))
    known("trade_mode", cmd.trade_mode, refs.trade_modes, "declarations.unknown_trade_mode")
    known("transport_mode", cmd.transport_mode, refs.transport_modes, "declarations.unknown_transport_mode")
    for field in ("trade_country", "departure_country", "destination_country"):
        known(field, getattr(cmd, field), refs.countries, "declarations.unknown_country")
    if cmd.terms not in TERMS:
        err("terms", "declarations.unknown_terms", value=cmd.terms)
    known("currency", cmd.currency, refs.currencies, "declarations.unknown_currency")
    if cmd.gross_weight <= 0:
        err("gross_weight", "field.not_positive")
    if cmd.net_weight <= 0:
        err("net_weight", "field.not_positive")
    elif cmd.gross_weight > 0 and cmd.net_weight > cmd.gross_weight:
        err("net_weight", "declarations.net_over_gross")
    if cmd.packages < 1:
        err("packages", "field.not_positive")
    if not 1 <= len(cmd.items) <= MAX_ITEMS:
        err("items", "declarations.items_count", max=MAX_ITEMS)
    for i, item in enumerate(cmd.items[:MAX_ITEMS]):
        p = f"items.{i}"
        if item.seq != i + 1:
            err(f"{p}.seq", "declarations.item_seq", expected=i + 1)
        hs = item.hs_code
        if not (len(hs) == 10 and hs.isdigit()):
            err(f"{p}.hs_code", "declarations.hs_format", value=hs)
        elif hs[:6] not in refs.hs_subheadings:
            err(f"{p}.hs_code", "declarations.hs_unknown", value=hs, subheading=hs[:6])
        if item.quantity <= 0:
            err(f"{p}.quantity", "field.not_positive")
        known(f"{p}.unit", item.unit, refs.units, "declarations.unknown_unit")
        if item.legal_quantity <= 0:
            err(f"{p}.legal_quantity", "field.not_positive")
        known(f"{p}.legal_unit", item.legal_unit, refs.units, "declarations.unknown_unit")
        if item.unit_price <= 0:
            err(f"{p}.unit_price", "field.not_positive")
        if item.total <= 0:
            err(f"{p}.total", "field.not_positive")
        elif not line_total_matches(item.quantity, item.unit_price, item.total):
            err(f"{p}.total", "declarations.total_mismatch", expected=f"{item.quantity * item.unit_price:.2f}",
                value=str(item.total))
        if item.currency != cmd.currency:
            err(f"{p}.currency", "declarations.item_currency_mismatch", value=item.currency, expected=cmd.currency)
        known(f"{p}.origin_country", item.origin_country, refs.countries, "declarations.unknown_country")
        known(f"{p}.destination_country", item.destination_country, refs.countries, "declarations.unknown_country")
    return errors


def build_declaration(cmd: SubmitDeclaration, declaration_id: str, enterprises: Mapping[str, EnterpriseFacts],
                      at: datetime) -> Declaration:
    """The Declaration of a submission that passed `check_submission`, in the declared stage."""
    trader_code = normalise_code(cmd.trader) or ""
    trader = enterprises[trader_code]
    owner_code = normalise_code(cmd.owner)
    agent_code = normalise_code(cmd.agent) or trader_code
    owner = enterprises[owner_code] if owner_code else None
    items = tuple(GoodsItem(seq=i.seq, hs_code=i.hs_code, name=i.name, spec=i.spec,
                            quantity=Quantity(i.quantity, i.unit),
                            legal_quantity=Quantity(i.legal_quantity, i.legal_unit),
                            unit_price=i.unit_price, total=i.total, currency=i.currency,
                            origin_country=i.origin_country, destination_country=i.destination_country)
                  for i in cmd.items)
    return Declaration(
        id=declaration_id, number=cmd.number.strip(), direction=Direction(cmd.direction),
        customs_code=cmd.customs_code, port_code=cmd.port_code, trader_id=trader.id, trader_code=trader_code,
        trader_name=trader.name_zh, owner_id=owner.id if owner else None, owner_code=owner_code,
        agent_id=enterprises[agent_code].id, agent_code=agent_code, trade_mode=cmd.trade_mode,
        transport_mode=cmd.transport_mode, transport_name=cmd.transport_name, bill_no=cmd.bill_no or None,
        trade_country=cmd.trade_country, departure_country=cmd.departure_country,
        destination_country=cmd.destination_country, terms=cmd.terms, currency=cmd.currency,
        gross_weight=cmd.gross_weight, net_weight=cmd.net_weight, packages=cmd.packages, items=items,
        lifecycle=Lifecycle.declared(at))
