"""Events the classification capability publishes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from smartcustoms.platform.events import Event


@dataclass(frozen=True)
class ClassificationDecided(Event):
    """An officer confirmed or corrected an HS code for a goods text (a new labelled example)."""

    topic: ClassVar[str] = "classification/decided"
    correction_id: str
    kind: str
    predicted_code: str | None
    confirmed_code: str


@dataclass(frozen=True)
class ModelPromoted(Event):
    topic: ClassVar[str] = "classification/model_promoted"
    version: str
