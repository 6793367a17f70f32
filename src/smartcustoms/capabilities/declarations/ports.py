"""Ports: what declarations needs from elsewhere, as protocols.

- ``declarations.screener`` — a `Screener` decides the channel on acceptance. The default rule set lives in
  `screening.py`; the risk capability replaces it through ``Capability.provides``.
- ``declarations.release_guard`` (optional) — a `ReleaseGuard` may refuse a release step (the risk capability:
  a locked manifest, 舱单加锁); no implementation installed: nothing is refused.
- ``declarations.directory`` — a `Directory` resolves code tables and enterprises (the reference and
  enterprise capabilities' public queries, adapted in `wiring.py`; tests may install a fake).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection

from smartcustoms.capabilities.declarations.domain import CodeSets, Declaration, EnterpriseFacts, ScreeningResult

SCREENER = "declarations.screener"
DIRECTORY = "declarations.directory"
RELEASE_GUARD = "declarations.release_guard"
LIFECYCLE = "declarations.lifecycle"
"""Provided by declarations itself (services.LifecyclePort): how other capabilities move a declaration on."""


class Screener(Protocol):
    def screen(self, declaration: Declaration, enterprises: Mapping[str, EnterpriseFacts]) -> ScreeningResult:
        """Choose the channel for an accepted declaration. `enterprises` maps enterprise id → view for the
        trader, the owner and the declaring agent. Deterministic for the default rules; a random selection
        must come from the verifiable-randomness service so an auditor can re-derive it."""
        ...


class DeferredScreener(Screener, Protocol):
    """A screener that answers ``PENDING`` at submission and decides later. `defer` is called once per
    submission batch, inside its transaction, with the declarations it answered pending for (queue them)."""

    def defer(self, conn: Connection, declarations: Sequence[Declaration],
              enterprises: Mapping[str, EnterpriseFacts]) -> None: ...


class ReleaseGuard(Protocol):
    def blocked(self, conn: Connection, declaration: Mapping[str, Any]) -> tuple[str, dict[str, str]] | None:
        """(message key, params) when the declaration (its row) must not be released now; None otherwise."""
        ...


class Directory(Protocol):
    def reference_sets(self, conn: Connection) -> CodeSets: ...

    def enterprises_by_code(self, conn: Connection, codes: Iterable[str]) -> Mapping[str, EnterpriseFacts]:
        """USCC or customs code → enterprise, in one round trip; unknown codes are absent."""
        ...

    def enterprise(self, conn: Connection, enterprise_id: str) -> EnterpriseFacts | None: ...
