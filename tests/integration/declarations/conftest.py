from __future__ import annotations

from typing import Any

import pytest

from smartcustoms.capabilities.declarations.ports import SCREENER
from smartcustoms.capabilities.declarations.screening import DefaultScreener
from tests.reference_data import reference_data  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def default_screener(runtime: Any) -> None:
    """These tests are about declarations' own synchronous screening; the risk capability (installed after it)
    replaces the screener with its deferred batch draw, tested in tests/*/risk/."""
    runtime.ports[SCREENER] = DefaultScreener()
