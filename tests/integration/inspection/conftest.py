from __future__ import annotations

from typing import Any

import pytest

from smartcustoms.capabilities.declarations.ports import DIRECTORY
from tests.reference_data import reference_data  # noqa: F401  (fixture)
from tests.unit.declarations.factories import FakeDirectory


@pytest.fixture(autouse=True)
def directory(runtime: Any) -> Any:
    fake = FakeDirectory()
    runtime.ports[DIRECTORY] = fake
    return fake
