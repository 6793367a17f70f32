"""The MQTT wire format the transit ingest reads: whole packets come out however the reads split the stream,
Remaining Length is the spec's variable byte integer, PUBLISH carries topic, packet id and payload intact."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.platform import mqtt_wire as wire


@pytest.mark.parametrize(("value", "encoded"), [
    (0, b"\x00"), (127, b"\x7f"), (128, b"\x80\x01"), (16_383, b"\xff\x7f"), (16_384, b"\x80\x80\x01"),
    (2_097_151, b"\xff\xff\x7f"), (2_097_152, b"\x80\x80\x80\x01"), (268_435_455, b"\xff\xff\xff\x7f")])
def test_remaining_length_is_the_specs_variable_byte_integer(value: int, encoded: bytes) -> None:
    # the boundary values of MQTT 5 §1.5.5
    assert wire.encode_varint(value) == encoded
    assert wire.decode_varint(encoded, 0) == (value, len(encoded))


def test_a_varint_longer_than_four_bytes_is_a_protocol_error() -> None:
    with pytest.raises(wire.MqttProtocolError):
        wire.decode_varint(b"\xff\xff\xff\xff\x01", 0)
    assert wire.decode_varint(b"\xff\xff", 0) is None  # not yet complete: wait for more bytes


@given(st.integers(0, wire.MAX_REMAINING))
def test_varint_round_trip(value: int) -> None:
    raw = wire.encode_varint(value)
    assert len(raw) <= 4 and wire.decode_varint(raw, 0) == (value, len(raw))


messages = st.lists(st.tuples(st.text(min_size=1, max_size=40).filter(lambda t: "\x00" not in t),
                              st.binary(max_size=300), st.integers(1, 65_535), st.sampled_from([4, 5])),
                    min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(messages, st.data())
def test_publish_packets_survive_any_split_of_the_stream(items: list[tuple[str, bytes, int, int]],
                                                         data: st.DataObject) -> None:
    stream = b"".join(wire.publish(t, p, packet_id=i, version=v) for t, p, i, v in items)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    reader = wire.PacketReader()
    packets = []
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        packets += reader.feed(stream[a:b])
    assert reader.pending == 0
    got = [wire.parse_publish(p, v) for p, (_t, _p, _i, v) in zip(packets, items, strict=True)]
    assert [(g.topic, g.payload, g.packet_id, g.qos) for g in got] == [(t, p, i, 1) for t, p, i, _v in items]


def test_a_large_payload_needs_a_multi_byte_remaining_length() -> None:
    payload = bytes(range(256)) * 1000
    raw = wire.publish("a/b", payload, packet_id=7)
    reader = wire.PacketReader()
    assert reader.feed(raw[:3]) == [] and reader.feed(raw[3:-1]) == []
    (packet,) = reader.feed(raw[-1:])
    assert wire.parse_publish(packet).payload == payload


def test_publish_properties_are_skipped() -> None:
    # v5 PUBLISH with a Message Expiry Interval (0x02) and a User Property (0x26) before the payload
    props = b"\x02\x00\x00\x00\x3c" + b"\x26\x00\x01k\x00\x01v"
    body = b"\x00\x03a/b" + b"\x00\x09" + bytes([len(props)]) + props + b"hello"
    (packet,) = wire.PacketReader().feed(bytes([0x32]) + wire.encode_varint(len(body)) + body)
    assert wire.parse_publish(packet) == wire.Publish("a/b", b"hello", 1, 9, False)


def test_a_redelivered_publish_is_marked_dup() -> None:
    raw = bytearray(wire.publish("a/b", b"x", packet_id=3))
    raw[0] |= 0x08
    (packet,) = wire.PacketReader().feed(bytes(raw))
    assert wire.parse_publish(packet).dup


@pytest.mark.parametrize("body", [b"", b"\x00\x05ab", b"\x00\x01a\x00"])
def test_truncated_publish_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(wire.MqttProtocolError):
        wire.parse_publish(wire.Packet(wire.PUBLISH, 0x02, body))


def test_an_oversized_packet_is_refused_before_it_is_buffered() -> None:
    with pytest.raises(wire.MqttProtocolError):
        wire.PacketReader(max_packet=1000).feed(b"\x30" + wire.encode_varint(5000))


def test_connect_always_states_receive_maximum_and_session_expiry() -> None:
    # Mosquitto 2.0 falls back to max_inflight_messages (20) for a v5 client that leaves Receive Maximum out
    raw = wire.connect("ingest", keepalive_s=30, session_expiry_s=86_400, receive_maximum=65_535)
    assert raw[0] == 0x10
    assert b"\x21\xff\xff" in raw and b"\x11\x00\x01\x51\x80" in raw
    assert raw.endswith(b"\x00\x06ingest")
    assert raw[raw.index(b"MQTT") + 5] == 0x00  # clean start off: the session and its messages are kept


def test_pubacks_for_a_batch_go_in_one_buffer() -> None:
    raw = wire.pubacks([1, 300, 65_535])
    packets = wire.PacketReader().feed(raw)
    assert [wire.puback_id(p) for p in packets] == [1, 300, 65_535]


def test_connack_and_suback() -> None:
    assert wire.connack(wire.Packet(wire.CONNACK, 0, b"\x01\x00\x00")) == (True, 0)
    assert wire.connack(wire.Packet(wire.CONNACK, 0, b"\x00\x87\x00")) == (False, 0x87)
    assert wire.suback(wire.Packet(wire.SUBACK, 0, b"\x00\x05\x00\x01")) == (5, [1])
    assert wire.suback(wire.Packet(wire.SUBACK, 0, b"\x00\x05\x80"), version=4) == (5, [0x80])
