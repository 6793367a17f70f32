"""The transit ingest's MQTT subscriber against the real Mosquitto: QoS 1 messages come in batches; what is not
acknowledged before the connection drops comes back on the next connection of the same session; what is
acknowledged does not, nor is an acknowledgement meant for a dropped connection sent on the next, nor anything
but the handshake on a connection still in it; keep-alive holds an idle connection open; a message over the
client's maximum packet size is dropped by the broker and does not block the ones behind it."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from smartcustoms.platform import mqtt_wire as wire
from smartcustoms.platform.mqtt import parse_url
from smartcustoms.platform.mqtt_subscriber import MAX_PACKET, MqttSubscriber

pytestmark = pytest.mark.mqtt


def _publish(url: str, topic: str, payloads: list[bytes]) -> None:
    """QoS 1 over a plain socket; returns when the broker has acknowledged every message."""
    host, port = parse_url(url)
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(wire.connect(f"t-pub-{uuid.uuid4().hex[:8]}", clean_start=True, version=4))
        reader, pending = wire.PacketReader(), []
        assert wire.connack(_next(sock, reader, pending)) == (False, 0)
        sock.sendall(b"".join(wire.publish(topic, p, packet_id=i + 1, version=4) for i, p in enumerate(payloads)))
        acked = 0
        while acked < len(payloads):
            acked += wire.puback_id(_next(sock, reader, pending)) > 0
        sock.sendall(wire.DISCONNECT_PACKET)


def _next(sock: socket.socket, reader: wire.PacketReader, pending: list[wire.Packet]) -> wire.Packet:
    while not pending:
        pending += reader.feed(sock.recv(65_536))
    return pending.pop(0)


def _drain(sub: MqttSubscriber, n: int, timeout_s: float = 10.0) -> list[wire.Publish]:
    got: list[wire.Publish] = []
    deadline = time.monotonic() + timeout_s
    while len(got) < n and time.monotonic() < deadline:
        got += sub.receive(n - len(got), wait_s=0.2, linger_s=0.02)
    return got


@pytest.fixture
def session(mqtt_url: str) -> Iterator[tuple[str, str, MqttSubscriber]]:
    prefix = f"sc-transit-sub-{uuid.uuid4().hex[:8]}"
    host, port = parse_url(mqtt_url)
    sub = MqttSubscriber(host, port, f"{prefix}-ingest", [f"{prefix}/devices/elock/+"], session_expiry_s=60)
    yield prefix, f"{prefix}/devices/elock/EL1", sub
    sub.close()
    ending = MqttSubscriber(host, port, f"{prefix}-ingest", [f"{prefix}/x"], clean_start=True, session_expiry_s=0)
    ending.connect()  # clean start with expiry 0: the broker forgets the session
    ending.close()


def test_messages_arrive_in_order_in_batches(mqtt_url: str, session: tuple[str, str, MqttSubscriber]) -> None:
    _prefix, topic, sub = session
    sub.connect()
    payloads = [b'{"n":%d}' % i for i in range(500)]
    _publish(mqtt_url, topic, payloads)
    first = _drain(sub, 200)
    rest = _drain(sub, 300)
    assert len(first) == 200 and all(m.topic == topic and m.qos == 1 for m in first)
    assert [m.payload for m in first + rest] == payloads
    sub.ack(first + rest)


def test_unacknowledged_messages_come_back_after_a_reconnect_and_acknowledged_ones_do_not(
        mqtt_url: str, session: tuple[str, str, MqttSubscriber]) -> None:
    _prefix, topic, sub = session
    sub.connect()
    payloads = [b"%d" % i for i in range(100)]
    _publish(mqtt_url, topic, payloads)
    got = _drain(sub, 100)
    sub.ack(got[:40])  # as if the batch of the first 40 was committed, and the worker died before the rest
    time.sleep(0.2)
    sub.close(send_disconnect=False)  # a dropped connection, not a clean goodbye
    sub.connect()
    assert sub.session_present
    again = _drain(sub, 100, timeout_s=3)
    assert [m.payload for m in again] == payloads[40:]
    assert all(m.dup for m in again)
    sub.ack(again)


def test_keep_alive_holds_an_idle_connection(mqtt_url: str, session: tuple[str, str, MqttSubscriber]) -> None:
    _prefix, topic, sub = session
    sub.keepalive_s = 1  # the broker drops a client silent for 1.5 × keep-alive
    sub.connect()
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        assert sub.receive(10, wait_s=0.2) == []
    _publish(mqtt_url, topic, [b"still here"])
    assert [m.payload for m in _drain(sub, 1)] == [b"still here"]


def test_a_broker_that_goes_away_is_a_connection_error() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        sub = MqttSubscriber("127.0.0.1", server.getsockname()[1], "nobody", ["a/#"])
        with pytest.raises(ConnectionError):
            sub.connect(timeout_s=0.5)  # accepted by TCP, never answered with CONNACK


def test_acknowledgements_for_a_dropped_connection_are_not_sent_on_the_next(
        mqtt_url: str, session: tuple[str, str, MqttSubscriber]) -> None:
    _prefix, topic, sub = session
    sub.connect()
    _publish(mqtt_url, topic, [b"a", b"b"])
    got = _drain(sub, 2)
    generation = sub.generation
    sub.close(send_disconnect=False)  # the batch is still being committed when the connection drops
    sub.connect()
    assert sub.ack(got, generation) is False  # nothing sent: the broker re-delivers both on this connection
    again = _drain(sub, 2, timeout_s=3)
    assert [m.payload for m in again] == [b"a", b"b"]
    assert sub.ack(again, sub.generation) is True


def test_nothing_is_sent_on_a_connection_still_in_its_handshake() -> None:
    # the reading thread reconnects while the committing thread acknowledges a batch of the dropped connection:
    # until SUBACK, only the handshake itself may go out on the new socket
    seen: list[list[int]] = []
    answer = threading.Event()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()

        def broker() -> None:
            for _ in range(2):
                conn, _ = server.accept()
                with conn:
                    reader, kinds, hold = wire.PacketReader(), [], len(seen) == 1  # hold the second CONNACK
                    conn.settimeout(0.1)
                    while not kinds or hold and not answer.is_set():
                        with contextlib.suppress(TimeoutError):
                            kinds += [p.kind for p in reader.feed(conn.recv(4096))]
                    conn.sendall(b"\x20\x03\x00\x00\x00")  # CONNACK
                    conn.settimeout(2)
                    while wire.SUBSCRIBE not in kinds:
                        kinds += [p.kind for p in reader.feed(conn.recv(4096))]
                    packet_id = 1 if not seen else 2
                    seen.append(kinds)  # before SUBACK: once the client has it, the test may read `seen`
                    conn.sendall(b"\x90\x04" + struct.pack("!H", packet_id) + b"\x00\x01")  # SUBACK
                    time.sleep(0.3)

        threading.Thread(target=broker, daemon=True).start()
        sub = MqttSubscriber("127.0.0.1", server.getsockname()[1], "x", ["a/#"], keepalive_s=0)
        sub.connect()
        earlier = sub.generation
        sub.close(send_disconnect=False)
        reconnect = threading.Thread(target=sub.connect)
        reconnect.start()
        deadline = time.monotonic() + 5
        while not sub.connected and time.monotonic() < deadline:  # the new socket is there, CONNACK is not
            time.sleep(0.01)
        batch = [wire.Publish("a/b", b"", 1, 7)]
        assert sub.ack(batch, earlier) is False and sub.ack(batch) is False
        sub.keep_alive()  # due at once (keep-alive 0), still not sent
        answer.set()
        reconnect.join(5)
        assert seen[1] == [wire.CONNECT, wire.SUBSCRIBE]
        assert sub.ack(batch, sub.generation) is True
        sub.close(send_disconnect=False)


def test_an_oversized_message_is_dropped_by_the_broker_and_the_ones_behind_it_arrive(
        mqtt_url: str, session: tuple[str, str, MqttSubscriber]) -> None:
    _prefix, topic, sub = session
    sub.connect()
    _publish(mqtt_url, topic, [b"x" * (2 * MAX_PACKET), b'{"ok":1}'])
    assert [m.payload for m in _drain(sub, 1, timeout_s=3)] == [b'{"ok":1}']


def test_a_malformed_stream_is_a_connection_error_not_a_crash() -> None:
    # a broker (or something posing as one) that answers the handshake, then sends a five-byte Remaining Length
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()

        def broker() -> None:
            conn, _ = server.accept()
            with conn:
                reader = wire.PacketReader()
                for reply in (b"\x20\x03\x00\x00\x00", b"\x90\x04\x00\x01\x00\x01"):  # CONNACK, SUBACK
                    while not reader.feed(conn.recv(4096)):
                        pass
                    conn.sendall(reply)
                conn.sendall(b"\x30\xff\xff\xff\xff\x01")
                conn.recv(4096)

        thread = threading.Thread(target=broker, daemon=True)
        thread.start()
        sub = MqttSubscriber("127.0.0.1", server.getsockname()[1], "t-bad", ["a/#"])
        sub.connect(timeout_s=5)
        with pytest.raises(ConnectionError, match="protocol"):
            sub.receive(10, wait_s=2)
        assert not sub.connected
        thread.join(5)


def test_a_broker_that_cannot_be_reached_is_a_connection_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def timed_out(*_args: object, **_kwargs: object) -> socket.socket:
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", timed_out)
    with pytest.raises(ConnectionError, match="timed out"):
        MqttSubscriber("192.0.2.1", 1883, "nobody", ["a/#"]).connect(timeout_s=0.1)
