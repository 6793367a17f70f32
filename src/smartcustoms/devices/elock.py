"""Smart customs locks (安全智能锁 / e-seal) that speak JSON over MQTT, decoded into the same `Reading` the
JT/T 808 path produces.

Topic: ``{prefix}/devices/elock/{lock_id}`` (QoS 1). Payload, UTF-8 JSON::

    {"lock_id": "EL00000001", "seq": 17, "time": "2026-11-02T01:30:00Z", "event": "position",
     "lat": 29.31, "lon": 120.08, "speed_kmh": 72.5, "heading": 90, "battery_pct": 81, "state": "sealed"}

``event`` is one of ``seal`` (施封), ``unseal`` (解封), ``tamper`` (破坏报警), ``battery`` (电量), ``position``.
``time`` is ISO 8601 with an offset (ISO 18185-2 records sealing and opening times in UTC). ``seq`` is the
lock's own counter; with the lock id and the time it is the de-duplication key. The lock state follows the
event (seal → sealed, unseal → opened, tamper → tampered) unless ``state`` says otherwise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from smartcustoms.devices.reading import LockState, Reading

EVENTS = ("seal", "unseal", "tamper", "battery", "position")
_EVENT_STATE = {"seal": LockState.SEALED, "unseal": LockState.OPENED, "tamper": LockState.TAMPERED}
_EVENT_ALARM = {"tamper": "lock_tampered", "unseal": "lock_opened"}
_STATES = {s.value: s for s in LockState}
_EVENT_ALARMS = {e: frozenset({_EVENT_ALARM[e]} if e in _EVENT_ALARM else ()) for e in EVENTS}


class ElockError(ValueError):
    """A lock message that cannot be decoded."""


def topic_for(prefix: str, lock_id: str) -> str:
    return f"{prefix.rstrip('/')}/devices/elock/{lock_id}"


def _number(payload: dict[str, Any], name: str) -> float | None:
    value = payload.get(name)
    if value is None:
        return None
    kind = type(value)
    if kind is float:  # the usual case first; orjson never yields NaN or infinity
        return value  # type: ignore[no-any-return]
    if kind is not int:
        raise ElockError(f"{name} must be a number")
    try:
        number = float(value)
    except OverflowError:
        raise ElockError(f"{name} out of range") from None
    if not math.isfinite(number):
        raise ElockError(f"{name} must be finite")
    return number


def decode_many(payloads: Sequence[bytes | bytearray | str]) -> tuple[list[Reading], int]:
    """Decode a batch: (the readings, how many payloads were refused). A refused payload never becomes valid,
    so the caller acknowledges it with the rest and counts it."""
    out: list[Reading] = []
    append = out.append
    bad = 0
    for payload in payloads:
        try:
            append(decode(payload))
        except ElockError:
            bad += 1
    return out, bad


def decode(payload: bytes | bytearray | str) -> Reading:
    try:
        data = orjson.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ElockError(f"not JSON: {exc}") from None
    if type(data) is not dict:
        raise ElockError("payload must be a JSON object")
    lock_id = data.get("lock_id")
    if not isinstance(lock_id, str) or not lock_id or len(lock_id) > 32 or not lock_id.isprintable():
        raise ElockError("lock_id must be a non-empty printable string of at most 32 characters")
    event = data.get("event")
    if event not in EVENTS:
        raise ElockError(f"event must be one of {EVENTS}")
    seq = data.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < 2**31:
        raise ElockError("seq must be a non-negative integer")
    try:
        at = datetime.fromisoformat(str(data.get("time")))
    except ValueError:
        raise ElockError("time must be ISO 8601") from None
    if at.tzinfo is None:
        raise ElockError("time needs a UTC offset")
    lat, lon = data.get("lat"), data.get("lon")
    if type(lat) is not float or type(lon) is not float:  # the usual case needs no further checks of type
        lat, lon = _number(data, "lat"), _number(data, "lon")
    if (lat is None) != (lon is None):
        raise ElockError("lat and lon come together")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ElockError("lat/lon out of range")
    state_text = data.get("state")
    if state_text is not None:
        try:
            state: LockState | None = _STATES[state_text]
        except (KeyError, TypeError):
            raise ElockError(f"state must be one of {[s.value for s in LockState]}") from None
    else:
        state = _EVENT_STATE.get(event)
    heading = _number(data, "heading")
    return Reading(
        device_id=lock_id, device_time=at if at.tzinfo is UTC else at.astimezone(UTC), seq=seq, lat=lat, lon=lon,
        speed_kmh=_number(data, "speed_kmh"), heading=None if heading is None else int(heading) % 360,
        alarms=_EVENT_ALARMS[event], lock_id=lock_id, lock_state=state, battery_pct=_number(data, "battery_pct"),
        source="mqtt", extras={"event": event},
    )


def encode(reading: Reading, event: str) -> bytes:
    """The JSON a lock sends (used by the simulator and tests)."""
    if event not in EVENTS:
        raise ValueError(event)
    body: dict[str, Any] = {"lock_id": reading.lock_id or reading.device_id, "seq": reading.seq,
                            "time": reading.device_time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                            "event": event}
    for name in ("lat", "lon", "speed_kmh", "heading", "battery_pct"):
        value = getattr(reading, name)
        if value is not None:
            body[name] = value
    if reading.lock_state is not None:
        body["state"] = reading.lock_state.value
    return json.dumps(body, separators=(",", ":")).encode()
