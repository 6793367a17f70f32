"""MQTT v5 / 3.1.1 wire format, pure: the packets a QoS 1 subscriber (and the benchmark's publisher) needs, and
a `PacketReader` that cuts whole packets out of a byte stream however the reads split them.

Only what the transit ingest uses: CONNECT (clean start, keep alive, Session Expiry Interval, Receive Maximum),
CONNACK, SUBSCRIBE / SUBACK, PUBLISH (QoS 0/1; QoS 2 is refused by the subscription), PUBACK, PINGREQ /
PINGRESP, DISCONNECT. Specification: OASIS MQTT Version 5.0, §2.1 (fixed header), §1.5.5 (Variable Byte
Integer), §3.1–3.4, §3.8–3.9, §3.12–3.14. No I/O here; `mqtt_subscriber.py` does the sockets.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import NamedTuple

CONNECT, CONNACK, PUBLISH, PUBACK = 1, 2, 3, 4
SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 12, 13, 14

PROP_SESSION_EXPIRY = 0x11
PROP_RECEIVE_MAXIMUM = 0x21
PROP_MAXIMUM_PACKET_SIZE = 0x27
MAX_REMAINING = 268_435_455
"""The largest Remaining Length four varint bytes can carry (§1.5.5)."""



class MqttProtocolError(ValueError):
    """Bytes that are not a well-formed MQTT packet: the connection must be closed."""


class Packet(NamedTuple):
    kind: int
    flags: int
    body: bytes


class Publish(NamedTuple):
    topic: str
    payload: bytes
    qos: int
    packet_id: int
    dup: bool = False


# --- varints and strings ----------------------------------------------------------------------------------------
def encode_varint(value: int) -> bytes:
    if not 0 <= value <= MAX_REMAINING:
        raise ValueError(f"varint out of range: {value}")
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def decode_varint(data: bytes | bytearray | memoryview, at: int) -> tuple[int, int] | None:
    """(value, index after it), or None when the buffer ends inside the varint."""
    value, shift = 0, 0
    for i in range(at, min(at + 4, len(data))):
        byte = data[i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i + 1
        shift += 7
    if len(data) - at >= 4:
        raise MqttProtocolError("varint longer than four bytes")
    return None


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("!H", len(raw)) + raw


def packet(kind: int, body: bytes, flags: int = 0) -> bytes:
    return bytes([kind << 4 | flags]) + encode_varint(len(body)) + body


def _properties(props: Iterable[tuple[int, bytes]]) -> bytes:
    raw = b"".join(bytes([pid]) + value for pid, value in props)
    return encode_varint(len(raw)) + raw


# --- client → broker --------------------------------------------------------------------------------------------
def connect(client_id: str, *, keepalive_s: int = 30, clean_start: bool = False, version: int = 5,
            session_expiry_s: int = 0, receive_maximum: int = 65_535, maximum_packet_size: int = 0) -> bytes:
    """CONNECT. With `maximum_packet_size` (v5) the broker drops, for this client, a message larger than that
    instead of sending it (§3.1.2.11.4): one oversized message cannot block the session behind it."""
    flags = 0x02 if clean_start else 0x00
    body = _string("MQTT") + bytes([version, flags]) + struct.pack("!H", keepalive_s)
    if version == 5:
        props = [(PROP_RECEIVE_MAXIMUM, struct.pack("!H", receive_maximum))]  # always: Mosquitto 2.0 falls
        if session_expiry_s:  # back to max_inflight_messages (20) when it is absent, not to 65,535 (§3.1.2.11.3)
            props.append((PROP_SESSION_EXPIRY, struct.pack("!I", session_expiry_s)))
        if maximum_packet_size:
            props.append((PROP_MAXIMUM_PACKET_SIZE, struct.pack("!I", maximum_packet_size)))
        body += _properties(props)
    return packet(CONNECT, body + _string(client_id))


def subscribe(packet_id: int, topics: Iterable[str], qos: int = 1, version: int = 5) -> bytes:
    body = struct.pack("!H", packet_id) + (b"\x00" if version == 5 else b"")
    body += b"".join(_string(t) + bytes([qos]) for t in topics)
    return packet(SUBSCRIBE, body, flags=0x02)


def publish(topic: str, payload: bytes, packet_id: int = 0, qos: int = 1, version: int = 5) -> bytes:
    body = _string(topic) + (struct.pack("!H", packet_id) if qos else b"") + (b"\x00" if version == 5 else b"")
    return packet(PUBLISH, body + payload, flags=qos << 1)


def pubacks(packet_ids: Iterable[int]) -> bytes:
    """Many PUBACKs in one buffer, for one send after a batch is committed. Reason code 0 is implied by the
    two-byte form (§3.4.2.1); valid for 3.1.1 as well."""
    return b"".join(b"\x40\x02" + i.to_bytes(2, "big") for i in packet_ids)


PINGREQ_PACKET = bytes([PINGREQ << 4, 0])
DISCONNECT_PACKET = bytes([DISCONNECT << 4, 0])
"""Reason 0 (normal): the broker keeps the session for its expiry interval and drops any Will."""


# --- broker → client --------------------------------------------------------------------------------------------
class PacketReader:
    """Feed it bytes as they arrive; it returns the whole packets, keeping a partial one for the next feed."""

    def __init__(self, max_packet: int = 1 << 20) -> None:
        self._buffer = bytearray()
        self.max_packet = max_packet

    def feed(self, data: bytes | bytearray) -> list[Packet]:
        buf = self._buffer
        buf += data
        out: list[Packet] = []
        at, end = 0, len(buf)
        while end - at >= 2:
            header = buf[at]
            length = buf[at + 1]
            if length < 0x80:
                start = at + 2
            else:
                decoded = decode_varint(buf, at + 1)
                if decoded is None:
                    break
                length, start = decoded
            if length > self.max_packet:
                raise MqttProtocolError(f"packet of {length} bytes exceeds the limit of {self.max_packet}")
            stop = start + length
            if stop > end:
                break
            out.append(Packet(header >> 4, header & 0x0F, bytes(buf[start:stop])))
            at = stop
        del buf[:at]
        return out

    @property
    def pending(self) -> int:
        return len(self._buffer)


def skip_properties(body: bytes, at: int) -> int:
    decoded = decode_varint(body, at)
    if decoded is None:
        raise MqttProtocolError("truncated properties")
    length, start = decoded
    if start + length > len(body):
        raise MqttProtocolError("properties run past the packet")
    return start + length


def parse_publish(p: Packet, version: int = 5) -> Publish:
    qos = (p.flags >> 1) & 0x03
    if qos == 3:
        raise MqttProtocolError("PUBLISH with QoS 3")
    body = p.body
    if len(body) < 2:
        raise MqttProtocolError("PUBLISH without a topic")
    tlen = body[0] << 8 | body[1]
    at = 2 + tlen
    packet_id = 0
    if qos:
        if len(body) < at + 2:
            raise MqttProtocolError("PUBLISH without a packet id")
        packet_id = body[at] << 8 | body[at + 1]
        at += 2
    if version == 5:
        at = skip_properties(body, at) if len(body) > at and body[at] else at + 1
    if at > len(body):
        raise MqttProtocolError("truncated PUBLISH")
    try:
        topic = body[2:2 + tlen].decode()
    except UnicodeDecodeError:
        raise MqttProtocolError("topic is not UTF-8") from None
    return Publish(topic, body[at:], qos, packet_id, bool(p.flags & 0x08))


def connack(p: Packet) -> tuple[bool, int]:
    """(session present, reason code). Reason codes ≥ 0x80 (v5) or non-zero (3.1.1) refuse the connection."""
    if p.kind != CONNACK or len(p.body) < 2:
        raise MqttProtocolError("expected CONNACK")
    return bool(p.body[0] & 0x01), p.body[1]


def suback(p: Packet, version: int = 5) -> tuple[int, list[int]]:
    """(packet id, granted QoS or reason code per topic)."""
    if p.kind != SUBACK or len(p.body) < 2:
        raise MqttProtocolError("expected SUBACK")
    packet_id = struct.unpack_from("!H", p.body)[0]
    at = skip_properties(p.body, 2) if version == 5 else 2
    return packet_id, list(p.body[at:])


def puback_id(p: Packet) -> int:
    if p.kind != PUBACK or len(p.body) < 2:
        raise MqttProtocolError("expected PUBACK")
    return int(p.body[0] << 8 | p.body[1])
