"""The ingest worker stops loudly when its reader thread fails for any reason other than a lost connection,
instead of staying up and reading nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from smartcustoms.workers.transit_ingest import MqttIngest


class _BrokenClient:
    connected = True
    generation = 1

    def receive(self, *_args: Any, **_kwargs: Any) -> list[Any]:
        raise RuntimeError("a bug in the reader")

    def close(self) -> None:
        pass


def test_a_reader_that_fails_stops_the_worker_with_an_error() -> None:
    worker = MqttIngest(lambda _readings: None, "mqtt://127.0.0.1:1", client_id="t-broken")
    worker.client = _BrokenClient()  # type: ignore[assignment]
    stop = threading.Event()
    with pytest.raises(RuntimeError, match="reader failed"):
        worker.run(stop)
    assert stop.is_set()
    assert isinstance(worker.reader_error, RuntimeError)
