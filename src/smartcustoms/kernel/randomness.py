"""The RandomSource protocol. Every random customs decision goes through one, so an auditor can re-derive it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")


class RandomSource(Protocol):
    def uniform(self, label: str) -> float:
        """A number in [0, 1) bound to `label` (e.g. the declaration id and the purpose of the draw)."""
        ...

    def choice(self, label: str, options: Sequence[T]) -> T: ...
