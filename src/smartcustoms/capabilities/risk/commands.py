"""Commands the risk capability accepts (plain dataclasses; the API and the declarations integration build
them). Declarations enter as `Candidate` values, so this capability needs no other capability's classes."""

from __future__ import annotations

from dataclasses import dataclass, field

from smartcustoms.capabilities.risk.domain.dispatch import DispatchPolicy, Officer
from smartcustoms.capabilities.risk.domain.selection import Candidate, SelectionPolicy


@dataclass(frozen=True)
class OpenBatch:
    """Draw and commit the server seed for a new screening batch at a site."""

    customs_code: str
    site: str
    batch_id: str | None = None


@dataclass(frozen=True)
class FreezeBatch:
    batch_id: str
    candidates: tuple[Candidate, ...]
    roster: tuple[Officer, ...]
    selection: SelectionPolicy
    dispatch: DispatchPolicy = field(default_factory=DispatchPolicy)


@dataclass(frozen=True)
class EnterDice:
    """Dice digits rolled by named parties after the freeze: ((party, digits), ...)."""

    batch_id: str
    parties: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class EnterBeacon:
    batch_id: str
    source: str
    round: str
    output_hex: str


@dataclass(frozen=True)
class CommitParty:
    """A party publishes SHA-256 of its secret before the freeze (the party is the calling user)."""

    batch_id: str
    commitment: str


@dataclass(frozen=True)
class EnterSecrets:
    """After the freeze, every committed party's secret (hex), keyed by party."""

    batch_id: str
    secrets: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SubmitReport:
    """An inspection report on a task (the selected declaration) was submitted by `inspector`."""

    batch_id: str
    task_id: str
    inspector: str


@dataclass(frozen=True)
class RevealBatch:
    batch_id: str
