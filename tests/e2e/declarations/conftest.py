from __future__ import annotations

from typing import Any

import pytest

from smartcustoms.capabilities.declarations.ports import DIRECTORY
from tests.reference_data import reference_data  # noqa: F401  (fixture)
from tests.unit.declarations.factories import FakeDirectory


@pytest.fixture(autouse=True)
def directory(runtime: Any) -> Any:
    """Most tests use a small fixed directory of code tables and enterprises (see factories.py); the real
    reference and enterprise capabilities are exercised in test_with_reference_and_enterprise.py."""
    fake = FakeDirectory()
    runtime.ports[DIRECTORY] = fake
    return fake
