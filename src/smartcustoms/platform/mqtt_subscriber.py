"""A small blocking MQTT subscriber for batch consumers (the transit ingest): QoS 1 on a persistent session,
messages taken in batches straight off the socket, acknowledged in one send after the batch is committed.

Why not paho here: paho delivers one callback per message from a network thread that shares the GIL with the
consumer, which cost more than the whole pipeline (docs/TRANSIT.md "Measured"). This client has no thread: the
consumer calls `receive()`, which reads what the socket holds in large reads and cuts the PUBLISH packets out of
it, and `ack()` after commit. One thread may receive while another acknowledges (sends are serialised); each
connection has a `generation`, so acknowledgements meant for a connection that has since dropped are not sent on
its successor. Keep-alive is kept by `keep_alive()` (called from `receive()` and by a consumer
that waits for a long time, e.g. while its database is down).

Delivery contract (MQTT v5, §4.3.2): a message not acknowledged before the connection drops is re-delivered on
the next connection of the same client id with `clean_start=False`, so a consumer that acknowledges only after
commit loses nothing; it must tolerate seeing a message twice (the transit pipeline inserts or ignores).
"""

from __future__ import annotations

import logging
import select
import selectors
import socket
import threading
import time
from collections import deque

from smartcustoms.platform import mqtt_wire as wire
from smartcustoms.platform.mqtt_wire import MqttProtocolError, Publish

log = logging.getLogger(__name__)

READ_SIZE = 1 << 20
MAX_PACKET = 1 << 20
"""The largest packet this client takes; told to the broker at CONNECT, which drops larger messages for us."""


class MqttSubscriber:
    def __init__(self, host: str, port: int, client_id: str, topics: list[str], *, clean_start: bool = False,
                 session_expiry_s: int = 86_400, receive_maximum: int = 65_535, keepalive_s: int = 30,
                 version: int = 5) -> None:
        self.host, self.port, self.client_id, self.topics = host, port, client_id, topics
        self.clean_start, self.session_expiry_s = clean_start, session_expiry_s
        self.receive_maximum, self.keepalive_s, self.version = receive_maximum, keepalive_s, version
        self.session_present = False
        self._sock: socket.socket | None = None
        self._selector: selectors.DefaultSelector | None = None
        self._reader = wire.PacketReader(MAX_PACKET)
        self._ready: deque[Publish] = deque()
        self._last_sent = 0.0
        self._next_id = 1
        self._send_lock = threading.Lock()
        self.generation = 0
        """Counts connections (raised as a connection starts); `ack(…, generation=…)` skips messages received on
        an earlier one."""

    # --- connection --------------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._sock is not None

    def connect(self, timeout_s: float = 10.0) -> None:
        """CONNECT, wait for CONNACK, SUBSCRIBE QoS 1 to every topic, wait for SUBACK. Raises ConnectionError."""
        self.close(send_disconnect=False)
        self.generation += 1  # before the new socket exists: an ack of an earlier batch never reaches it
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout_s)
        except OSError as exc:  # refused, timed out, unresolvable: all mean "try again later"
            raise ConnectionError(f"MQTT broker at {self.host}:{self.port}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock, self._reader, self._ready = sock, wire.PacketReader(MAX_PACKET), deque()
        try:
            self._send(wire.connect(self.client_id, keepalive_s=self.keepalive_s, clean_start=self.clean_start,
                                    version=self.version, session_expiry_s=self.session_expiry_s,
                                    receive_maximum=self.receive_maximum, maximum_packet_size=MAX_PACKET),
                       handshake=True)
            present, code = wire.connack(self._expect(wire.CONNACK, timeout_s))
            if code:
                raise ConnectionError(f"MQTT broker refused the connection (reason 0x{code:02X})")
            self.session_present = present
            sub_id = self._packet_id()
            self._send(wire.subscribe(sub_id, self.topics, qos=1, version=self.version), handshake=True)
            _pid, granted = wire.suback(self._expect(wire.SUBACK, timeout_s), self.version)
            if any(g > 1 for g in granted):
                raise ConnectionError(f"MQTT subscription refused (codes {granted})")
        except (OSError, MqttProtocolError) as exc:
            self.close(send_disconnect=False)
            raise ConnectionError(f"MQTT broker at {self.host}:{self.port}: {exc}") from exc
        except BaseException:
            self.close(send_disconnect=False)
            raise
        sock.setblocking(False)
        selector = selectors.DefaultSelector()
        selector.register(sock, selectors.EVENT_READ)
        self._selector = selector  # last: the connection is established only from here on (`_send`)

    def close(self, send_disconnect: bool = True) -> None:
        """DISCONNECT (normal): the broker keeps the session and its unacknowledged messages for the expiry."""
        sock, self._sock = self._sock, None
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        if sock is None:
            return
        if send_disconnect:
            with self._send_lock:
                try:
                    sock.settimeout(1.0)
                    sock.sendall(wire.DISCONNECT_PACKET)
                except OSError:
                    pass
        sock.close()

    # --- messages ----------------------------------------------------------------------------------------
    def receive(self, max_messages: int, wait_s: float = 0.2, linger_s: float = 0.05) -> list[Publish]:
        """Up to `max_messages` messages: waits up to `wait_s` for the first, then up to `linger_s` more for
        the batch to fill. Raises ConnectionError when the connection is lost (nothing is acknowledged then)."""
        self.keep_alive()
        self._fill(wait_s)
        if self._ready and len(self._ready) < max_messages and linger_s > 0:
            deadline = time.monotonic() + linger_s
            while len(self._ready) < max_messages:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._fill(remaining):
                    break
        n = min(max_messages, len(self._ready))
        return [self._ready.popleft() for _ in range(n)]

    def ack(self, messages: list[Publish], generation: int | None = None) -> bool:
        """PUBACK every QoS 1 message in one send (call after the batch holding them is committed). With
        `generation` (the value when they were received): when the connection has been replaced since, nothing
        is sent and False comes back — the broker re-delivers them on the new connection. Nothing is sent while a
        connection is being set up either (False)."""
        if generation is not None and generation != self.generation:
            return False
        ids = [m.packet_id for m in messages if m.qos == 1]
        return self._send(wire.pubacks(ids), generation=generation) if ids else True

    def keep_alive(self) -> None:
        """PINGREQ when nothing was sent for half the keep-alive interval (the broker closes a silent client
        after 1.5 × keep-alive, MQTT §3.1.2.10)."""
        if self._sock is not None and time.monotonic() - self._last_sent > self.keepalive_s / 2:
            self._send(wire.PINGREQ_PACKET)

    # --- internals ---------------------------------------------------------------------------------------
    def _fill(self, timeout: float) -> int:
        """Read what is there (waiting up to `timeout` when nothing is); returns how many messages came."""
        sock, selector = self._sock, self._selector
        if sock is None or selector is None:
            raise ConnectionError("MQTT subscriber is not connected")
        try:
            if not selector.select(timeout):
                return 0
        except (OSError, ValueError) as exc:  # closed meanwhile by a failed send on another thread
            self.close(send_disconnect=False)
            raise ConnectionError(f"MQTT connection lost: {exc}") from exc
        got = 0
        while True:
            try:
                data = sock.recv(READ_SIZE)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                self.close(send_disconnect=False)
                raise ConnectionError(f"MQTT connection lost: {exc}") from exc
            if not data:
                self.close(send_disconnect=False)
                raise ConnectionError("MQTT broker closed the connection")
            got += self._take(data)
            if len(data) < READ_SIZE:
                break
        return got

    def _take(self, data: bytes) -> int:
        """Cut the packets out of `data`; a malformed stream closes the connection (ConnectionError), so the
        consumer reconnects and the broker re-delivers what was not acknowledged."""
        got = 0
        try:
            for p in self._reader.feed(data):
                if p.kind == wire.PUBLISH:
                    self._ready.append(wire.parse_publish(p, self.version))
                    got += 1
                elif p.kind == wire.DISCONNECT:
                    self.close(send_disconnect=False)
                    raise ConnectionError(f"MQTT broker disconnected us (reason {p.body[:1].hex() or '00'})")
                # PINGRESP, and SUBACK / PUBACK we did not wait for, need nothing
        except MqttProtocolError as exc:
            self.close(send_disconnect=False)
            raise ConnectionError(f"MQTT protocol error: {exc}") from exc
        return got

    def _expect(self, kind: int, timeout_s: float) -> wire.Packet:
        assert self._sock is not None
        deadline = time.monotonic() + timeout_s
        pending: list[wire.Packet] = []
        while True:
            for i, p in enumerate(pending):
                if p.kind == kind:
                    for later in pending[i + 1:]:  # a PUBLISH of the resumed session may follow the SUBACK
                        if later.kind == wire.PUBLISH:
                            self._ready.append(wire.parse_publish(later, self.version))
                    return p
                if p.kind == wire.PUBLISH:
                    self._ready.append(wire.parse_publish(p, self.version))
            pending = []
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MqttProtocolError(f"no packet of type {kind} within {timeout_s} s")
            self._sock.settimeout(remaining)
            data = self._sock.recv(READ_SIZE)
            if not data:
                raise MqttProtocolError("broker closed the connection")
            pending = self._reader.feed(data)

    def _send(self, data: bytes, *, handshake: bool = False, generation: int | None = None) -> bool:
        """Send `data` (True), or nothing (False) on a connection still in its handshake — unless this is the
        handshake — or, with `generation`, on a connection other than that one. Checked under the send lock, so a
        reconnect on the reading thread cannot slip in between."""
        with self._send_lock:
            sock = self._sock
            if sock is None:
                raise ConnectionError("MQTT subscriber is not connected")
            if not handshake and (self._selector is None or generation not in (None, self.generation)):
                return False
            try:
                if sock.gettimeout() == 0.0:  # connected: non-blocking, shared with a receiving thread
                    view = memoryview(data)
                    while view:
                        try:
                            view = view[sock.send(view):]
                        except BlockingIOError:
                            select.select([], [sock], [], 1.0)
                else:
                    sock.sendall(data)
            except OSError as exc:
                self.close(send_disconnect=False)
                raise ConnectionError(f"MQTT connection lost: {exc}") from exc
            self._last_sent = time.monotonic()
            return True

    def _packet_id(self) -> int:
        pid = self._next_id
        self._next_id = pid % 65_535 + 1
        return pid
