"""In-process message bus: an explicit table of event handlers, fed by the outbox relay after commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from smartcustoms.platform.outbox import Message

Handler = Callable[[Message], Any]


class MessageBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, topic: str, handler: Handler) -> None:
        """`topic` is an exact topic or ``*`` for every event."""
        self._handlers[topic].append(handler)

    def __call__(self, message: Message) -> None:
        for handler in [*self._handlers.get(message.topic, ()), *self._handlers.get("*", ())]:
            handler(message)
