from __future__ import annotations

from typing import Any

import pytest

from smartcustoms.capabilities.declarations.ports import DIRECTORY, SCREENER
from smartcustoms.capabilities.declarations.screening import DefaultScreener
from tests.reference_data import reference_data  # noqa: F401  (fixture)
from tests.unit.declarations.factories import FakeDirectory


@pytest.fixture(autouse=True)
def directory(runtime: Any) -> Any:
    fake = FakeDirectory()
    runtime.ports[DIRECTORY] = fake
    # inspection on its own: submission orders inspection at once (default screener) and no risk draw port is
    # installed; tests that need a draw install a stand-in, the risk flow is tested in test_with_risk.py
    runtime.ports[SCREENER] = DefaultScreener()
    runtime.ports.pop("risk.recheck", None)
    return fake
