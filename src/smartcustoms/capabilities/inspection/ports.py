"""Ports: what inspection needs from elsewhere, as protocols (looked up with ``runtime.port(name)``).

- ``risk.recheck`` — `RecheckDraw.draw(batch_id, task_id, inspector_id)`: the verifiable re-inspection and
  chief-verification draw made at report submission (provided by the risk capability once it is live).
- ``risk.dispatch`` — `Dispatch.assign(declaration_id, customs_code, candidates, loads)`: a verifiable random
  officer assignment. Without it inspection falls back to `domain.least_loaded` (documented as not random).
- ``declarations.lifecycle`` — move the declaration on (record_inspection, release, hold).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

RECHECK = "risk.recheck"
DISPATCH = "risk.dispatch"
LIFECYCLE = "declarations.lifecycle"


class RecheckResult(Protocol):
    recheck: bool
    recheck_officer: str | None
    chief: bool
    chief_officer: str | None


class RecheckDraw(Protocol):
    def draw(self, batch_id: str | None, task_id: str, inspector_id: str) -> RecheckResult: ...


class Dispatch(Protocol):
    def assign(self, declaration_id: str, customs_code: str, candidates: Sequence[str],
               loads: Mapping[str, int]) -> Any:
        """Return the chosen officer id (or an object with ``officer_id`` and ``evidence``)."""
        ...
