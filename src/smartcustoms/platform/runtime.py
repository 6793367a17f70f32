"""The runtime: everything a command handler, page or worker needs, built once by the composition root."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from smartcustoms.kernel.timeutil import Clock
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.blobs import BlobStore
from smartcustoms.platform.bus import MessageBus
from smartcustoms.platform.capability import Capability
from smartcustoms.platform.i18n import Translator
from smartcustoms.platform.outbox import Relay
from smartcustoms.platform.settings import Settings
from smartcustoms.platform.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    blobs: BlobStore
    bus: MessageBus
    translator: Translator
    capabilities: list[Capability]
    relay: Relay | None = None
    ports: dict[str, Any] = field(default_factory=dict)
    _wake: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _relay_thread: threading.Thread | None = None
    closers: list[Any] = field(default_factory=list)

    def uow(self, actor: Actor) -> UnitOfWork:
        return UnitOfWork(self.engine, self.clock, actor, after_commit=self._wake.set)

    def port(self, name: str) -> Any:
        try:
            return self.ports[name]
        except KeyError:
            raise LookupError(f"no implementation installed for port {name!r}") from None

    # --- the in-process outbox relay (production runs `smartcustoms worker relay` instead) -------------------
    def start_relay_thread(self) -> None:
        if self.relay is None or self._relay_thread is not None:
            return
        relay = self.relay

        def loop() -> None:
            while not self._stop.is_set():
                self._wake.wait(self.settings.relay_interval_s)
                self._wake.clear()
                try:
                    relay.drain()
                except Exception:
                    log.exception("outbox relay round failed")

        self._relay_thread = threading.Thread(target=loop, name="outbox-relay", daemon=True)
        self._relay_thread.start()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._relay_thread is not None:
            self._relay_thread.join(timeout=5)
            self._relay_thread = None
        for closer in self.closers:
            closer()
        self.closers.clear()
        self.engine.dispose()
