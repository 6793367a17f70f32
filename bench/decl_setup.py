"""Enterprises and code tables for bench_declarations."""

from __future__ import annotations

from typing import Any

from tests.unit.declarations.factories import BROKER, FakeDirectory, Refs

from smartcustoms.capabilities.declarations.ports import DIRECTORY

HS_CODES = ["8504401400", "8517120000", "9403600000", "6109100021", "8471300000", "0901110000"]


def install_directory(runtime: Any) -> None:
    """Until the reference and enterprise capabilities are merged, a fixed directory stands in for them."""
    runtime.ports[DIRECTORY] = FakeDirectory(refs=Refs())


def declarant() -> tuple[str, str]:
    """(enterprise id, customs code) of the broker that declares in the bench."""
    return BROKER.id, BROKER.customs_code
