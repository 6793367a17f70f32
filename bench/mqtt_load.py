"""The transit bench's load generator: a separate process that sends pre-encoded QoS 1 PUBLISH packets over one
plain socket (MQTT 3.1.1, the simplest device session) and reads the broker's PUBACKs, so the figure measures
the consumer, not a Python MQTT client's per-message cost.

Flow control: at most `window` messages published but not yet taken by the consumer (`consumed`, a shared
counter the parent keeps up to date) and at most `inflight` unacknowledged by the broker. Mosquitto drops QoS 1
messages beyond a slow consumer's in-flight window plus `max_queued_messages`; the window keeps the bench clear
of that, so the figure measures throughput, not loss. `rate` paces the sending (messages per second).
"""

from __future__ import annotations

import multiprocessing
import selectors
import socket
import time
from typing import Any

from smartcustoms.platform import mqtt_wire as wire

TIME_LIMIT_S = 120.0


def _publisher(host: str, port: int, packets: list[bytes], rate: float | None, window: int, inflight: int,
               consumed: list[Any], out: Any) -> None:
    sock = socket.create_connection((host, port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(wire.connect(f"bench-pub-{id(packets):x}", keepalive_s=60, clean_start=True, version=4))
    reader = wire.PacketReader()
    while not (got := reader.feed(sock.recv(4096))):
        pass
    if wire.connack(got[0])[1]:
        raise ConnectionError("broker refused the publisher")
    sock.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ)
    sent_at: list[float] = []
    acked = 0
    started = time.perf_counter()
    deadline = started + TIME_LIMIT_S
    i, n = 0, len(packets)
    while acked < n and time.perf_counter() < deadline:
        allowed = min(n, acked + inflight, min(c.value for c in consumed) + window)
        if rate is not None:
            allowed = min(allowed, int((time.perf_counter() - started) * rate) + 1)
        if i < allowed:
            stop = min(allowed, i + 256)
            now = time.time()
            sent_at += [now] * (stop - i)
            sock.setblocking(True)
            sock.sendall(b"".join(packets[i:stop]))
            sock.setblocking(False)
            i = stop
        if selector.select(0 if i < allowed else 0.001):
            try:
                data = sock.recv(1 << 16)
            except BlockingIOError:
                continue
            if not data:
                break  # the broker closed the connection: the result shows what was acknowledged
            acked += sum(1 for p in reader.feed(data) if p.kind == wire.PUBACK)
    took = time.perf_counter() - started
    sock.setblocking(True)
    sock.sendall(wire.DISCONNECT_PACKET)
    sock.close()
    out.send((took, acked, sent_at))
    out.close()


def encode_all(items: list[tuple[str, bytes]]) -> list[bytes]:
    """Pre-encode the PUBLISH packets (QoS 1, packet ids 1…65535 reused in turn)."""
    return [wire.publish(topic, payload, packet_id=i % 65_535 + 1, qos=1, version=4)
            for i, (topic, payload) in enumerate(items)]


def counters(n: int) -> list[Any]:
    """One shared counter per consumer (they may live in other processes): what each has read so far."""
    ctx = multiprocessing.get_context("spawn")
    return [ctx.Value("q", 0, lock=False) for _ in range(n)]


class Publisher:
    """The load generator's process. Each consumer adds what it takes to its counter itself (no polling thread
    in the measured process); the window follows the slowest. `result()` waits for the publisher to finish."""

    def __init__(self, host: str, port: int, items: list[tuple[str, bytes]], *, rate: float | None = None,
                 window: int = 10_000, inflight: int = 2000, consumed: list[Any] | None = None) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._parent, child = ctx.Pipe(duplex=False)
        self.consumed = consumed or counters(1)
        self._proc = ctx.Process(target=_publisher, args=(host, port, encode_all(items), rate, window,
                                                          min(inflight, 65_535), self.consumed, child), daemon=True)
        self._proc.start()
        child.close()

    def took(self, n: int) -> None:
        self.consumed[0].value += n

    def result(self, timeout_s: float = TIME_LIMIT_S + 10) -> tuple[float, int, list[float]]:
        """(seconds, messages acknowledged by the broker, wall time each message was sent)."""
        out = self._parent.recv() if self._parent.poll(timeout_s) else (float("nan"), 0, [])
        self._proc.join(10)
        return out  # type: ignore[no-any-return]
