from __future__ import annotations

from typing import Any

import pytest

from smartcustoms.capabilities.declarations.ports import DIRECTORY, SCREENER
from smartcustoms.capabilities.declarations.screening import DefaultScreener
from tests.reference_data import reference_data  # noqa: F401  (fixture)
from tests.unit.declarations.factories import FakeDirectory


@pytest.fixture(autouse=True)
def directory(runtime: Any) -> Any:
    """Most tests use a small fixed directory of code tables and enterprises (see factories.py); the real
    reference and enterprise capabilities are exercised in test_with_reference_and_enterprise.py."""
    fake = FakeDirectory()
    runtime.ports[DIRECTORY] = fake
    return fake


@pytest.fixture(autouse=True)
def default_screener(runtime: Any) -> None:
    """These tests are about declarations' own synchronous screening; the risk capability (installed after it)
    replaces the screener with its deferred batch draw, tested in tests/*/risk/."""
    runtime.ports[SCREENER] = DefaultScreener()
