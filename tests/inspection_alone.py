"""Inspection tested on its own (re-exported by tests/{e2e,integration}/inspection/conftest.py).

Submission orders inspection at once (the declarations default screener instead of risk's batch queue), the
code tables and enterprises come from the fake directory, and no risk draw port is installed: tests that need
a draw install a stand-in. The flow through a real risk batch is tested in tests/browser/test_inspection.py."""

from __future__ import annotations

from typing import Any

import pytest

from smartcustoms.capabilities.declarations.ports import DIRECTORY, SCREENER
from smartcustoms.capabilities.declarations.screening import DefaultScreener
from tests.unit.declarations.factories import FakeDirectory


@pytest.fixture(autouse=True)
def directory(runtime: Any) -> Any:
    fake = FakeDirectory()
    runtime.ports[DIRECTORY] = fake
    runtime.ports[SCREENER] = DefaultScreener()
    runtime.ports.pop("risk.recheck", None)
    return fake
