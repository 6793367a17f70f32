"""A small HS model for tests (re-exported by tests/{e2e,integration}/classification/conftest.py): trained once
per session on a subset, installed in memory for one test."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.classification.support import small_model as _small_model


@pytest.fixture(scope="session")
def small_model() -> Any:
    return _small_model()


@pytest.fixture
def installed(runtime: Any, small_model: Any) -> Any:
    from smartcustoms.capabilities.classification.services import install_model

    install_model(runtime, small_model, {"metrics": {}}, persist=False)
    return small_model
