"""JT/T 808 codec: the domain doc's test vector field by field, escaping pairs, round-trips and a fuzz run."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartcustoms.devices.jt808 import frame, messages
from smartcustoms.devices.jt808.frame import FrameError, Header
from smartcustoms.devices.jt808.messages import Location
from smartcustoms.devices.jt808.stream import FrameSplitter
from smartcustoms.devices.reading import LockState

VECTOR_A = bytes.fromhex(
    "7E 02 00 00 26 12 34 56 78 90 12 00 7D 02 00 00 00 01 00 00 00 02 00 BA 7F 0E 07 E4 F1 1C"
    "00 28 00 3C 00 00 18 10 15 10 10 10 01 04 00 00 00 64 02 02 00 7D 01 13 7E")


def test_vector_a_decodes_field_by_field() -> None:
    f = frame.decode_frame(VECTOR_A)
    h = f.header
    assert h.msg_id == 0x0200
    assert h.body_len == 38 and len(f.body) == 38
    assert h.encryption == 0 and h.pkg_total is None and h.version is None
    assert h.phone == "123456789012"
    assert h.seq == 126  # 00 7D 02 → 00 7E
    loc = messages.decode_location(f.body)
    assert loc.alarm == 1 and loc.alarms == frozenset({"emergency"})
    assert loc.status == 2 and loc.statuses == frozenset({"fixed"})
    assert loc.lat == pytest.approx(12.222222) and loc.lon == pytest.approx(132.444444)
    assert loc.altitude_m == 40
    assert loc.speed_raw == 60 and loc.speed_kmh == 6.0
    assert loc.direction == 0
    assert loc.time == datetime(2018, 10, 15, 10, 10, 10, tzinfo=timezone(timedelta(hours=8)))
    assert loc.time == datetime(2018, 10, 15, 2, 10, 10, tzinfo=UTC) and loc.time.tzinfo is UTC
    assert loc.extras[0x01] == bytes.fromhex("00000064") and loc.mileage_km == 10.0
    assert loc.extras[0x02] == bytes.fromhex("007D")  # 7D 01 → 7D: fuel 125
    assert int.from_bytes(loc.extras[0x02], "big") == 125
    content = frame.unescape(VECTOR_A[1:-1])
    assert content[-1] == 0x13 == frame.checksum(content[:-1])
    # and it re-encodes to the very same bytes
    assert frame.encode_frame(Header(0x0200, h.phone, 126), messages.encode_location(loc)) == VECTOR_A


def test_vector_a_as_a_reading() -> None:
    f = frame.decode_frame(VECTOR_A)
    r = messages.to_reading(f.header.phone, f.header.seq, messages.decode_location(f.body))
    assert r.key == ("123456789012", datetime(2018, 10, 15, 2, 10, 10, tzinfo=UTC), 126)
    assert r.speed_kmh == 6.0 and r.alarms == frozenset({"emergency"}) and r.lock_state is None


def test_escape_example_from_the_spec() -> None:
    assert frame.escape(bytes.fromhex("307E087D55")) == bytes.fromhex("307D02087D0155")
    assert frame.unescape(bytes.fromhex("307D02087D0155")) == bytes.fromhex("307E087D55")
    # the ordering pitfall: an original 7D 02 is escaped 7D 01 02 and must come back as 7D 02, not 7E
    assert frame.unescape(frame.escape(b"\x7d\x02")) == b"\x7d\x02"


@pytest.mark.parametrize("bad", [b"\x7d", b"\x01\x7d\x03", b"\x7d\x7d\x01"])
def test_bad_escapes_are_refused(bad: bytes) -> None:
    with pytest.raises(FrameError) as info:
        frame.unescape(bad)
    assert info.value.kind == "escape"


@given(st.binary(max_size=300))
def test_escape_round_trip_and_no_flag_inside(data: bytes) -> None:
    escaped = frame.escape(data)
    assert 0x7E not in escaped
    assert frame.unescape(escaped) == data


@given(st.binary(min_size=1, max_size=200))
def test_checksum_detects_any_single_byte_change(data: bytes) -> None:
    c = frame.checksum(data)
    assert frame.checksum(data + bytes([c])) == 0
    changed = bytes([data[0] ^ 0x5A]) + data[1:]
    assert frame.checksum(changed) != c


headers = st.builds(
    Header, msg_id=st.integers(0, 0xFFFF), phone=st.from_regex(r"[1-9][0-9]{0,11}", fullmatch=True),
    seq=st.integers(0, 0xFFFF), encryption=st.integers(0, 7), version=st.none() | st.integers(0, 255),
    pkg_total=st.none() | st.integers(1, 0xFFFF), pkg_no=st.none())


@given(headers, st.binary(max_size=1023))
def test_frame_encode_decode_round_trip(header: Header, body: bytes) -> None:
    if header.pkg_total is not None:
        header = Header(header.msg_id, header.phone, header.seq, 0, header.encryption, header.version,
                        header.pkg_total, 1)
    raw = frame.encode_frame(header, body)
    assert raw[0] == raw[-1] == 0x7E and 0x7E not in raw[1:-1]
    got = frame.decode_frame(raw)
    assert got.body == body
    assert got.header == Header(header.msg_id, header.phone, header.seq, len(body), header.encryption,
                                header.version, header.pkg_total, header.pkg_no)


times = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30),
                     timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0))
locations = st.builds(
    Location, alarm=st.integers(0, 2**32 - 1), status=st.integers(0, 2**32 - 1) .map(lambda s: s & ~0xC),
    lat=st.integers(-90_000_000, 90_000_000).map(lambda v: v / 1e6),
    lon=st.integers(-180_000_000, 180_000_000).map(lambda v: v / 1e6),
    altitude_m=st.integers(0, 0xFFFF), speed_raw=st.integers(0, 0xFFFF), direction=st.integers(0, 359),
    time=times, extras=st.dictionaries(st.integers(0, 255), st.binary(max_size=20), max_size=4))


@given(locations)
def test_location_encode_decode_round_trip(loc: Location) -> None:
    got = messages.decode_location(messages.encode_location(loc))
    assert (got.alarm, got.altitude_m, got.speed_raw, got.direction, got.time, got.extras) == (
        loc.alarm, loc.altitude_m, loc.speed_raw, loc.direction, loc.time, loc.extras)
    assert got.lat == pytest.approx(loc.lat, abs=1e-9) and got.lon == pytest.approx(loc.lon, abs=1e-9)
    assert got.status & ~0xC == loc.status & ~0xC


@given(st.lists(locations, max_size=5), st.integers(0, 1))
def test_batch_round_trip(locs: list[Location], kind: int) -> None:
    got_kind, got = messages.decode_batch(messages.encode_batch(locs, kind))
    assert got_kind == kind and [g.time for g in got] == [g.time for g in locs]


def test_lock_extension_round_trip() -> None:
    at = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
    loc = Location(0, 0x2, 29.3, 120.1, 10, 725, 90, at,
                   {messages.LOCK_EXTRA_ID: messages.lock_extra(LockState.OPENED, 42, "EL0001")})
    r = messages.to_reading("13800000001", 7, messages.decode_location(messages.encode_location(loc)))
    assert (r.lock_state, r.battery_pct, r.lock_id, r.speed_kmh) == (LockState.OPENED, 42.0, "EL0001", 72.5)


def test_register_authenticate_and_platform_replies() -> None:
    reg = messages.Register(33, 782, "SMCUS", "EL-808", "T000001", 2, "浙G12345")
    for v2019 in (False, True):
        assert messages.decode_register(messages.encode_register(reg, v2019=v2019), v2019=v2019) == reg
        assert messages.decode_authenticate(messages.encode_authenticate("AUTH-1", v2019=v2019),
                                            v2019=v2019) == "AUTH-1"
    assert messages.decode_general_ack(messages.encode_general_ack(9, 0x0200)) == (9, 0x0200, 0)
    assert messages.decode_register_ack(messages.encode_register_ack(3, 0, "abc")) == (3, 0, "abc")
    assert messages.decode_register_ack(messages.encode_register_ack(3, 4, "abc")) == (3, 4, "")


def test_2019_header_and_subpackage() -> None:
    h = Header(0x0200, "12345678901234567890", 5, version=1, pkg_total=3, pkg_no=2)
    got = frame.decode_frame(frame.encode_frame(h, b"\x7e\x7d"))
    assert got.header.version == 1 and got.header.phone == "12345678901234567890"
    assert (got.header.pkg_total, got.header.pkg_no) == (3, 2) and got.body == b"\x7e\x7d"


def test_splitter_counts_and_drops_bad_frames_and_keeps_the_good_ones() -> None:
    good = VECTOR_A
    bad_checksum = good[:-2] + bytes([good[-2] ^ 1]) + good[-1:]
    bad_length = frame.encode_frame(Header(0x0002, "1", 1), b"")[:-2] + b"\x00\x00\x7e"
    stream = b"junk" + good + bad_checksum + good[:20] + good + b"\x7e\x7e" + bad_length + good
    splitter = FrameSplitter()
    frames = []
    for i in range(0, len(stream), 7):  # arrives in small pieces
        frames += splitter.feed(stream[i:i + 7])
    assert len(frames) == 3 and all(f.header.seq == 126 for f in frames)
    assert splitter.stats.frames == 3
    assert splitter.stats.dropped.get("checksum", 0) >= 2
    assert splitter.stats.garbage_bytes >= 4


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_fuzz_decoders_never_raise_anything_but_frame_error(data: bytes) -> None:
    splitter = FrameSplitter()
    splitter.feed(data)  # never raises at all
    splitter.feed(b"\x7e" + data + b"\x7e")
    for decoder in (frame.decode_frame, messages.decode_location, lambda b: messages.decode_batch(b),
                    messages.decode_register, messages.decode_authenticate):
        with contextlib.suppress(FrameError):
            decoder(data)


@settings(max_examples=1000, deadline=None)
@given(locations, st.integers(0, 0xFFFF), st.data())
def test_fuzz_mutated_valid_frames(loc: Location, seq: int, data: st.DataObject) -> None:
    raw = bytearray(frame.encode_frame(Header(0x0200, "13800000001", seq), messages.encode_location(loc)))
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    splitter = FrameSplitter()
    for f in splitter.feed(bytes(raw)):
        with contextlib.suppress(FrameError):
            messages.decode_location(f.body)
    assert splitter.stats.frames + splitter.stats.dropped_total >= 0
