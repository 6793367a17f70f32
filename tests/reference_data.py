"""Reference data for tests: load it once per test database, then reuse it.

The `ref_*` tables and `org_units` survive the per-test cleaning (tests/conftest.py), so one load per database
per session is enough. Use the helper from any test or fixture that has a runtime:

    from tests.reference_data import ensure_reference_data
    ensure_reference_data(runtime)

or re-export the fixture in a conftest (``from tests.reference_data import reference_data  # noqa: F401``) and
ask for ``reference_data`` in a test (it yields the runtime)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete

_loaded: set[str] = set()
_lock = threading.Lock()


def ensure_reference_data(runtime: Any) -> None:
    """Load the reference tables and the organisation tree into the runtime's database, once per database.
    The load's own audit entry is removed again, so a test starts with an empty audit log as usual."""
    from smartcustoms.capabilities.reference import services
    from smartcustoms.platform.audit import Actor, audit_head, audit_log

    url = runtime.settings.effective_database_url
    with _lock:
        if url in _loaded:
            return
        services.do_load(runtime, services.hs_dir_of(runtime.settings.shared_dir), actor=Actor.system("tests"))
        with runtime.engine.begin() as conn:
            conn.execute(delete(audit_log))
            conn.execute(delete(audit_head))
        _loaded.add(url)


def forget(runtime: Any) -> None:
    """Tell the helper that a test emptied the reference tables of this database."""
    with _lock:
        _loaded.discard(runtime.settings.effective_database_url)


@pytest.fixture
def reference_data(runtime: Any) -> Iterator[Any]:
    """The runtime, with reference data loaded (once per database)."""
    ensure_reference_data(runtime)
    yield runtime
