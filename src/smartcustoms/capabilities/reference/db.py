"""Reference tables. Names start with `ref_`: the test harness keeps them between tests."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table

from smartcustoms.platform.db import metadata


def _code_table(name: str, code_length: int) -> Table:
    return Table(
        f"ref_{name}", metadata,
        Column("code", String(code_length), primary_key=True),
        Column("name_zh", String(128), nullable=False),
        Column("name_en", String(128), nullable=False),
    )


ref_countries = _code_table("countries", 3)
ref_currencies = _code_table("currencies", 3)
ref_units = _code_table("units", 3)
ref_trade_modes = _code_table("trade_modes", 4)
ref_transport_modes = _code_table("transport_modes", 1)

ref_customs_offices = Table(
    "ref_customs_offices", metadata,
    Column("code", String(4), primary_key=True),
    Column("name_zh", String(128), nullable=False),
    Column("name_en", String(128), nullable=False),
    Column("level", String(16), nullable=False),
    Column("parent_code", String(4), nullable=True),
)

ref_hs_sections = Table(
    "ref_hs_sections", metadata,
    Column("code", String(8), primary_key=True),
    Column("name_en", String(255), nullable=False),
)

ref_hs = Table(
    "ref_hs", metadata,
    Column("code", String(6), primary_key=True),
    Column("level", Integer, nullable=False),
    Column("parent", String(6), nullable=True, index=True),
    Column("description", String(512), nullable=False),
    Column("section", String(8), nullable=True),
    Index("ix_ref_hs_level_code", "level", "code"),
)

CODE_TABLES: dict[str, Table] = {
    "countries": ref_countries, "currencies": ref_currencies, "units": ref_units,
    "trade_modes": ref_trade_modes, "transport_modes": ref_transport_modes, "customs_offices": ref_customs_offices,
}
