"""JSON-over-MQTT smart-lock messages decode into the same Reading as JT/T 808."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.devices import elock
from smartcustoms.devices.reading import LockState, Reading


def test_each_event_decodes() -> None:
    base = '{"lock_id":"EL0001","seq":%d,"time":"2026-11-02T09:30:00+08:00","event":"%s"%s}'
    r = elock.decode(base % (1, "position", ',"lat":29.3,"lon":120.1,"speed_kmh":70,"battery_pct":80'))
    assert r.device_time == datetime(2026, 11, 2, 1, 30, tzinfo=UTC) and r.source == "mqtt"
    assert (r.lat, r.lon, r.speed_kmh, r.battery_pct, r.lock_state) == (29.3, 120.1, 70.0, 80.0, None)
    assert elock.decode(base % (2, "seal", "")).lock_state is LockState.SEALED
    opened = elock.decode(base % (3, "unseal", ""))
    assert opened.lock_state is LockState.OPENED and "lock_opened" in opened.alarms
    tamper = elock.decode(base % (4, "tamper", ""))
    assert tamper.lock_state is LockState.TAMPERED and "lock_tampered" in tamper.alarms
    assert elock.decode(base % (5, "battery", ',"battery_pct":9')).battery_pct == 9.0


def test_a_batch_keeps_every_good_reading_and_counts_the_refused_ones() -> None:
    good = b'{"lock_id":"EL0001","seq":%d,"time":"2026-11-02T01:30:00Z","event":"seal"}'
    readings, bad = elock.decode_many([good % 1, b"not json", good % 2, b"[]", bytearray(good % 3)])
    assert [r.seq for r in readings] == [1, 2, 3] and bad == 2


@pytest.mark.parametrize("payload", [
    b"", b"[]", b"{}", b'{"lock_id":"A","seq":1,"time":"2026-11-02T01:30:00","event":"seal"}',
    b'{"lock_id":"A","seq":-1,"time":"2026-11-02T01:30:00Z","event":"seal"}',
    b'{"lock_id":"A","seq":1,"time":"2026-11-02T01:30:00Z","event":"open"}',
    b'{"lock_id":"A","seq":1,"time":"2026-11-02T01:30:00Z","event":"position","lat":91,"lon":0}',
    b'{"lock_id":"A","seq":1,"time":"2026-11-02T01:30:00Z","event":"position","lat":NaN,"lon":0}',
    b'{"lock_id":"A\\u0000","seq":1,"time":"2026-11-02T01:30:00Z","event":"seal"}',
    b'{"lock_id":"A\\tB","seq":1,"time":"2026-11-02T01:30:00Z","event":"seal"}',
    b"\xff\xfe"])
def test_bad_messages_are_refused_with_elock_error(payload: bytes) -> None:
    with pytest.raises(elock.ElockError):
        elock.decode(payload)


@given(st.floats(-90, 90), st.floats(-180, 180), st.integers(0, 2**31 - 1),
       st.sampled_from(elock.EVENTS))
def test_round_trip(lat: float, lon: float, seq: int, event: str) -> None:
    r = Reading("EL9", datetime(2026, 1, 1, tzinfo=UTC), seq, lat=lat, lon=lon, lock_id="EL9",
                lock_state=LockState.SEALED, source="mqtt")
    got = elock.decode(elock.encode(r, event))
    assert got.key == r.key and (got.lat, got.lon, got.lock_state) == (lat, lon, LockState.SEALED)


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_fuzz_only_elock_error_escapes(payload: bytes) -> None:
    with contextlib.suppress(elock.ElockError):
        elock.decode(payload)


def test_huge_numbers_are_refused() -> None:
    with pytest.raises(elock.ElockError):
        elock.decode('{"lock_id":"A","seq":1,"time":"2026-11-02T01:30:00Z","event":"position","lat":1%s,"lon":0}'
                     % ("0" * 400))
