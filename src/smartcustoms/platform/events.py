"""Events: facts that happened, published after commit through the outbox."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, ClassVar

from smartcustoms.platform.db import dumps


@dataclasses.dataclass(frozen=True)
class Event:
    """Subclass as a frozen dataclass and set `topic` (e.g. ``declarations/released``)."""

    topic: ClassVar[str] = "event"

    def payload(self) -> dict[str, Any]:
        return dict(json.loads(dumps(dataclasses.asdict(self))))
