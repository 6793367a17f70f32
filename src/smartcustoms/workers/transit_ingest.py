"""MQTT ingest for smart locks that speak JSON (`devices/elock.py`): subscribes to
``{prefix}/devices/elock/+`` with QoS 1 on a persistent MQTT v5 session (fixed client id, clean_start False,
session expiry one day) and acknowledges each message only after the batch holding it is committed. Killed
mid-stream, the worker loses nothing: the broker re-delivers every unacknowledged message and queues new ones for
the session; the pipeline's insert-or-ignore stores each report once.

The socket is read by `platform.mqtt_subscriber` in batches (no callback per message) on a reader thread that
also decodes, so the next batch is ready while this one waits for PostgreSQL (COPY, commit); batches are
committed and acknowledged in the order they were read, on the calling thread; PUBACKs for a committed batch go
out in one send, and only on the connection the batch came from.

Several workers (`--share k/n`): each has its own session on the same topic filter, receives every message, and
runs only the locks whose topic hashes to its share (`owns`); the rest it acknowledges with its batch. Each lock
therefore has exactly one worker (its reports stay in order), a killed worker's messages wait in its own session,
and the broker sends n copies — the price of needing no change on the devices' side (docs/TRANSIT.md).

Broker settings that matter (Mosquitto): `max_queued_messages` (default 1000) bounds what is kept for an
offline session — raise it in production (deploy/mosquitto/transit.conf); for MQTT v5 clients the in-flight
window is the client's Receive Maximum (sent here), not `max_inflight_messages`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from smartcustoms.devices import elock
from smartcustoms.devices.reading import Reading
from smartcustoms.platform.mqtt import parse_url
from smartcustoms.platform.mqtt_subscriber import MqttSubscriber
from smartcustoms.platform.mqtt_wire import Publish

log = logging.getLogger(__name__)


@dataclass
class Batch:
    """Messages as read, their decoded readings, and the connection they came on (for the acknowledgement)."""

    messages: list[Publish]
    readings: list[Reading]
    bad: int
    generation: int


@dataclass
class IngestStats:
    received: int = 0
    acked: int = 0
    decoded: int = 0
    bad: int = 0
    batches: int = 0
    failed_batches: int = 0
    stored: int = 0
    duplicates: int = 0
    alarms: int = 0
    reconnects: int = 0
    last_error: str | None = None
    first_received_at: float | None = None
    """perf_counter when the first batch was read (benchmarks measure from here to `last_commit_at`)."""
    last_commit_at: float | None = None
    alarm_times: deque[tuple[str, float]] = field(default_factory=lambda: deque(maxlen=10_000))
    """(alarm id, wall time committed) of the latest 10,000 alarms — the bench reads these for latency; bounded,
    so a worker that runs for months does not grow."""


def owns(topic: str, share: tuple[int, int]) -> bool:
    """Whether worker `share[0]` of `share[1]` runs the device publishing on `topic`: CRC-32 of the topic's last
    level (the lock id), the same in every process and on every restart."""
    k, n = share
    return n == 1 or zlib.crc32(topic.rpartition("/")[2].encode()) % n == k


def parse_share(text: str) -> tuple[int, int]:
    """'2/4' → (1, 4): the second of four workers (1-based on the command line)."""
    k, _, n = text.partition("/")
    try:
        share = (int(k) - 1, int(n or 1))
    except ValueError:
        share = (-1, 0)  # not numbers: refused below with the same message
    if not (share[1] >= 1 and 0 <= share[0] < share[1]):
        raise ValueError(f"share must be k/n with 1 ≤ k ≤ n, not {text!r}")
    return share


class MqttIngest:
    def __init__(self, ingest: Callable[[list[Any]], Any], url: str, *, prefix: str = "smartcustoms",
                 client_id: str = "smartcustoms-transit-ingest", max_batch: int = 2000, max_delay_s: float = 0.05,
                 receive_maximum: int = 65_535, session_expiry_s: int = 86_400,
                 sweep: Callable[[], Any] | None = None, sweep_every_s: float = 30.0,
                 share: tuple[int, int] = (0, 1)) -> None:
        self.ingest, self.prefix, self.share = ingest, prefix.rstrip("/"), share
        self.client_id, self.max_batch, self.max_delay_s = client_id, max_batch, max_delay_s
        self.sweep, self.sweep_every_s = sweep, sweep_every_s
        self.stats = IngestStats()
        self.reader_error: Exception | None = None
        self.topic = f"{self.prefix}/devices/elock/+"
        host, port = parse_url(url)
        self.client = MqttSubscriber(host, port, client_id, [self.topic], clean_start=False,
                                     session_expiry_s=session_expiry_s, receive_maximum=receive_maximum)

    def connect(self) -> None:
        self.client.connect()
        log.info("transit ingest subscribed to %s as %s", self.topic, self.client_id)

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set; each batch is committed before its messages are acknowledged. A lost
        connection is re-opened by the reader (the broker re-delivers what was not acknowledged). Leaving for any
        reason sets `stop`, which also ends the reader thread."""
        batches: queue.Queue[Batch] = queue.Queue(maxsize=1)
        free = threading.Semaphore(1)  # one batch read ahead at most: more would only wait longer (latency)
        reader = threading.Thread(target=self._read, args=(batches, free, stop), name="transit-ingest-reader",
                                  daemon=True)
        reader.start()
        next_sweep = time.monotonic() + self.sweep_every_s
        try:
            while not stop.is_set():
                try:
                    batch: Batch | None = batches.get(timeout=0.2)
                except queue.Empty:
                    batch = None
                if batch is not None:
                    free.release()  # the reader may read the next batch while this one is processed
                    self._process(batch, stop)
                if self.sweep is not None and time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.sweep_every_s
                    try:
                        self.stats.alarms += len(self.sweep() or [])
                    except Exception as exc:
                        log.warning("transit sweep failed: %s", exc)
        finally:
            stop.set()
            reader.join(10)
        if self.reader_error is not None:  # exit non-zero, so that the supervisor restarts the worker
            raise RuntimeError("transit ingest reader failed") from self.reader_error

    def _read(self, batches: queue.Queue[Batch], free: threading.Semaphore, stop: threading.Event) -> None:
        """Reader thread: when the batch read ahead has been taken, read the next one off the socket, decode it
        and hand it over. Anything but a lost connection stops the worker (loudly), rather than leaving it up
        and reading nothing; what was not acknowledged is re-delivered to its successor."""
        try:
            self._read_until(batches, free, stop)
        except Exception as exc:
            log.exception("transit ingest reader failed; stopping the worker")
            self.reader_error = exc
            stop.set()

    def _read_until(self, batches: queue.Queue[Batch], free: threading.Semaphore, stop: threading.Event) -> None:
        delay = 0.2
        while not stop.is_set():
            if not free.acquire(timeout=0.2):
                continue
            try:
                if not self.client.connected:
                    self.connect()
                    delay = 0.2
                messages = self.client.receive(self.max_batch, wait_s=0.2, linger_s=self.max_delay_s)
            except ConnectionError as exc:
                free.release()
                self.stats.last_error = f"ConnectionError: {exc}"
                self.stats.reconnects += 1
                log.warning("transit ingest: %s; reconnecting in %.1fs", exc, delay)
                stop.wait(delay)
                delay = min(5.0, delay * 2)
                continue
            if not messages:
                free.release()
                continue
            if self.stats.first_received_at is None:
                self.stats.first_received_at = time.perf_counter()
            self.stats.received += len(messages)
            mine = messages if self.share[1] == 1 else [m for m in messages if owns(m.topic, self.share)]
            readings, bad = elock.decode_many([m.payload for m in mine])
            batches.put(Batch(messages, readings, bad, self.client.generation))  # never full: `free` was taken

    def _process(self, batch: Batch, stop: threading.Event) -> None:
        readings = batch.readings
        self.stats.bad += batch.bad  # acknowledged below: a malformed message never becomes valid
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
                with contextlib.suppress(ConnectionError):  # the reader reconnects
                    self.client.keep_alive()
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
        with contextlib.suppress(ConnectionError):  # if so, committed but not acknowledged: re-delivered, stored once
            if self.client.ack(batch.messages, batch.generation):
                self.stats.acked += len(batch.messages)

    def close(self) -> None:
        self.client.close()


def run_ingest(runtime: Any, stop: threading.Event, *, client_id: str = "smartcustoms-transit-ingest",
               max_batch: int = 2000, share: tuple[int, int] = (0, 1)) -> MqttIngest:
    """`smartcustoms transit ingest`: the runtime-bound worker."""
    from smartcustoms.capabilities.transit.ingest import Pipeline

    if not runtime.settings.mqtt_url:
        raise SystemExit("SMARTCUSTOMS_MQTT_URL is not set")
    pipeline = Pipeline(runtime)
    log.info("transit ingest: %d active transits loaded", pipeline.warm())
    worker = MqttIngest(pipeline.ingest, runtime.settings.mqtt_url, prefix=runtime.settings.mqtt_topic_prefix,
                        client_id=client_id, max_batch=max_batch, sweep=pipeline.sweep, share=share)
    worker.connect()
    try:
        worker.run(stop)
    finally:
        worker.close()
    return worker
