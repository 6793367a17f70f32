"""The outbox relay as its own process: several may run at once on PostgreSQL (SKIP LOCKED)."""

from __future__ import annotations

import threading

from smartcustoms.platform.runtime import Runtime


def run_relay(runtime: Runtime, interval_s: float, stop: threading.Event) -> None:
    assert runtime.relay is not None, "runtime built without a relay"
    while not stop.is_set():
        if runtime.relay.drain() == 0:
            stop.wait(interval_s)
