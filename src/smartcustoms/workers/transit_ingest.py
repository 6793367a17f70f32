"""MQTT ingest for smart locks that speak JSON (`devices/elock.py`): subscribes to
``{prefix}/devices/elock/+`` with QoS 1 on a persistent MQTT v5 session (fixed client id, clean_start False,
session expiry one day) and acknowledges each message only after the batch holding it is committed
(paho `manual_ack`). Killed mid-stream, the worker loses nothing: the broker re-delivers every unacknowledged
message and queues new ones for the session; the pipeline's insert-or-ignore stores each report once.

Broker settings that matter (Mosquitto): `max_queued_messages` (default 1000) bounds what is kept for an
offline session — raise it in production; for MQTT v5 clients the in-flight window is the client's Receive
Maximum (sent here), not `max_inflight_messages`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from smartcustoms.devices import elock
from smartcustoms.devices.reading import Reading
from smartcustoms.platform.mqtt import parse_url

log = logging.getLogger(__name__)


@dataclass
class IngestStats:
    received: int = 0
    decoded: int = 0
    bad: int = 0
    batches: int = 0
    failed_batches: int = 0
    stored: int = 0
    duplicates: int = 0
    alarms: int = 0
    last_error: str | None = None
    first_received_at: float | None = None
    """perf_counter of the first message (benchmarks measure from here to `last_commit_at`)."""
    last_commit_at: float | None = None
    alarm_times: list[tuple[str, float]] = field(default_factory=list)
    """(alarm id, wall time committed) — the bench reads these for latency."""


class MqttIngest:
    def __init__(self, ingest: Callable[[list[Reading]], Any], url: str, *, prefix: str = "smartcustoms",
                 client_id: str = "smartcustoms-transit-ingest", max_batch: int = 2000, max_delay_s: float = 0.05,
                 receive_maximum: int = 65_535, session_expiry_s: int = 86_400,
                 sweep: Callable[[], Any] | None = None, sweep_every_s: float = 30.0) -> None:
        self.ingest, self.url, self.prefix = ingest, url, prefix.rstrip("/")
        self.client_id, self.max_batch, self.max_delay_s = client_id, max_batch, max_delay_s
        self.receive_maximum, self.session_expiry_s = receive_maximum, session_expiry_s
        self.sweep, self.sweep_every_s = sweep, sweep_every_s
        self.stats = IngestStats()
        self.topic = f"{self.prefix}/devices/elock/+"
        self._queue: queue.SimpleQueue[mqtt.MQTTMessage] = queue.SimpleQueue()
        self._connected = threading.Event()
        self.client: mqtt.Client | None = None

    def connect(self) -> None:
        host, port = parse_url(self.url)
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv5,
                             manual_ack=True)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.session_expiry_s
        props.ReceiveMaximum = self.receive_maximum

        def on_connect(c: mqtt.Client, _u: Any, _flags: Any, reason: Any, _p: Any) -> None:
            if not reason.is_failure:
                c.subscribe(self.topic, qos=1)

        def on_subscribe(_c: mqtt.Client, _u: Any, _mid: int, _codes: Any, _p: Any) -> None:
            self._connected.set()
            log.info("transit ingest subscribed to %s as %s", self.topic, self.client_id)

        def on_message(_c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
            if self.stats.first_received_at is None:
                self.stats.first_received_at = time.perf_counter()
            self._queue.put(msg)

        client.on_connect = on_connect
        client.on_message = on_message
        client.on_subscribe = on_subscribe
        client.on_disconnect = lambda *_a: self._connected.clear()
        client.connect(host, port, keepalive=30, clean_start=False, properties=props)
        client.loop_start()
        if not self._connected.wait(10):
            client.loop_stop()
            raise ConnectionError(f"MQTT broker at {host}:{port} did not accept the ingest session")
        self.client = client

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set; each batch is committed before its messages are acknowledged."""
        if self.client is None:
            self.connect()
        assert self.client is not None
        next_sweep = time.monotonic() + self.sweep_every_s
        while not stop.is_set():
            batch = self._take()
            if batch:
                self._process(batch, stop)
            if self.sweep is not None and time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + self.sweep_every_s
                try:
                    self.stats.alarms += len(self.sweep() or [])
                except Exception as exc:
                    log.warning("transit sweep failed: %s", exc)

    def _take(self) -> list[mqtt.MQTTMessage]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.max_delay_s
        while len(batch) < self.max_batch:
            remaining = deadline - time.monotonic()
            try:
                batch.append(self._queue.get(timeout=max(0.0, remaining)) if remaining > 0
                             else self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _process(self, batch: list[mqtt.MQTTMessage], stop: threading.Event) -> None:
        self.stats.received += len(batch)
        readings: list[Reading] = []
        for msg in batch:
            try:
                readings.append(elock.decode(msg.payload))
            except elock.ElockError:
                self.stats.bad += 1  # acknowledged below: a malformed message never becomes valid
        self.stats.decoded += len(readings)
        delay = 0.2
        while True:
            try:
                result = self.ingest(readings) if readings else None
                break
            except Exception as exc:
                self.stats.failed_batches += 1
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("ingest batch failed (%s); retrying in %.1fs", exc, delay)
                if stop.wait(delay):
                    return  # not acknowledged: the broker re-delivers after restart
                delay = min(5.0, delay * 2)
        self.stats.batches += 1
        self.stats.last_commit_at = time.perf_counter()
        if result is not None:
            self.stats.stored += getattr(result, "stored", 0)
            self.stats.duplicates += getattr(result, "duplicates", 0)
            new_alarms = getattr(result, "alarms", [])
            self.stats.alarms += len(new_alarms)
            now = time.time()
            self.stats.alarm_times += [(a["id"], now) for a in new_alarms]
        assert self.client is not None
        for msg in batch:
            self.client.ack(msg.mid, msg.qos)

    def close(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client.loop_stop()
            self.client = None


def run_ingest(runtime: Any, stop: threading.Event, *, client_id: str = "smartcustoms-transit-ingest",
               max_batch: int = 2000) -> MqttIngest:
    """`smartcustoms transit ingest`: the runtime-bound worker."""
    from smartcustoms.capabilities.transit.ingest import Pipeline

    if not runtime.settings.mqtt_url:
        raise SystemExit("SMARTCUSTOMS_MQTT_URL is not set")
    pipeline = Pipeline(runtime)
    log.info("transit ingest: %d active transits loaded", pipeline.warm())
    worker = MqttIngest(pipeline.ingest, runtime.settings.mqtt_url, prefix=runtime.settings.mqtt_topic_prefix,
                        client_id=client_id, max_batch=max_batch, sweep=pipeline.sweep)
    worker.connect()
    try:
        worker.run(stop)
    finally:
        worker.close()
    return worker
