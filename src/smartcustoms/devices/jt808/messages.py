"""JT/T 808 message bodies: decoders for what terminals send, encoders for the platform's replies and (for the
simulator and tests) for the terminal messages too.

0x0200 basic information is 28 bytes (G10LS Table 16): alarm DWORD, status DWORD, lat/lon DWORD (deg × 10⁶),
altitude WORD (m), speed WORD (1/10 km/h), direction WORD, time BCD[6] YYMMDDhhmmss in GMT+8; then TLV extras.

Lock-status extension (this project's definition, in the JT/T 808-2013 custom range 0xE1–0xFF):
``0xE1`` length n ≥ 2: state BYTE (0 unknown, 1 sealed, 2 opened, 3 tampered), battery BYTE (percent, 0xFF =
not reported), then the lock id as ASCII (n − 2 bytes, may be empty). Vendors use other ids (Traccar decodes
0x63, 0xD5, 0x0B — domain doc §1.7); a vendor mapping would translate those into the same fields.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from smartcustoms.devices.jt808.frame import FrameError, bcd_decode
from smartcustoms.devices.reading import LockState, Reading

# --- message ids -------------------------------------------------------------------------------------------
TERMINAL_ACK = 0x0001
HEARTBEAT = 0x0002
LOGOUT = 0x0003
REGISTER = 0x0100
AUTHENTICATE = 0x0102
LOCATION = 0x0200
BATCH_LOCATION = 0x0704
PLATFORM_ACK = 0x8001
REGISTER_ACK = 0x8100

CHINA_TZ = timezone(timedelta(hours=8))
LOCK_EXTRA_ID = 0xE1
LOCK_STATE_CODES = {0: LockState.UNKNOWN, 1: LockState.SEALED, 2: LockState.OPENED, 3: LockState.TAMPERED}
LOCK_STATE_BYTES = {v: k for k, v in LOCK_STATE_CODES.items()}

# Alarm bits: JT/T 808-2013 table 24 (SmallChi `JT808Alarm.cs`, domain doc §1.5).
ALARM_BITS: dict[int, str] = {
    0: "emergency", 1: "overspeed", 2: "fatigue", 3: "danger_warning", 4: "gnss_fault", 5: "gnss_antenna_cut",
    6: "gnss_antenna_short", 7: "power_low", 8: "power_off", 9: "display_fault", 10: "tts_fault",
    11: "camera_fault", 12: "ic_card_fault", 13: "overspeed_warning", 14: "fatigue_warning",
    18: "driving_overtime", 19: "parking_overtime", 20: "area_in_out", 21: "route_in_out", 22: "route_time",
    23: "route_deviation", 24: "vss_fault", 25: "fuel_abnormal", 26: "stolen", 27: "illegal_ignition",
    28: "illegal_displacement", 29: "collision", 30: "rollover", 31: "illegal_door_open",
}
# Status bits: SmallChi `JT808Status.cs` (domain doc §1.5).
STATUS_BITS: dict[int, str] = {
    0: "acc_on", 1: "fixed", 2: "south", 3: "west", 4: "out_of_service", 5: "coords_encrypted",
    10: "fuel_cut", 11: "circuit_cut", 12: "door_locked", 13: "door1_open", 14: "door2_open", 15: "door3_open",
    16: "door4_open", 17: "door5_open", 18: "gps", 19: "beidou", 20: "glonass", 21: "galileo",
}
ALARM_MASKS = {name: 1 << bit for bit, name in ALARM_BITS.items()}
STATUS_MASKS = {name: 1 << bit for bit, name in STATUS_BITS.items()}


def flags(value: int, table: dict[int, str]) -> frozenset[str]:
    return frozenset(name for bit, name in table.items() if value >> bit & 1)


def mask(names: frozenset[str] | set[str], masks: dict[str, int]) -> int:
    out = 0
    for name in names:
        out |= masks[name]
    return out


# --- time --------------------------------------------------------------------------------------------------
def decode_time(data: bytes) -> datetime:
    """BCD[6] YYMMDDhhmmss in GMT+8 → aware UTC."""
    text = bcd_decode(data)
    try:
        local = datetime(2000 + int(text[0:2]), int(text[2:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]),
                         int(text[10:12]), tzinfo=CHINA_TZ)
    except ValueError as exc:
        raise FrameError("body", f"bad BCD time {text}: {exc}") from None
    return local.astimezone(UTC)


def encode_time(at: datetime) -> bytes:
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return bytes.fromhex(at.astimezone(CHINA_TZ).strftime("%y%m%d%H%M%S"))


# --- 0x0200 location ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Location:
    alarm: int
    status: int
    lat: float
    lon: float
    altitude_m: int
    speed_raw: int
    """1/10 km/h as on the wire."""
    direction: int
    time: datetime
    extras: dict[int, bytes] = field(default_factory=dict)

    @property
    def speed_kmh(self) -> float:
        return self.speed_raw / 10

    @property
    def alarms(self) -> frozenset[str]:
        return flags(self.alarm, ALARM_BITS)

    @property
    def statuses(self) -> frozenset[str]:
        return flags(self.status, STATUS_BITS)

    @property
    def mileage_km(self) -> float | None:
        raw = self.extras.get(0x01)
        return struct.unpack(">I", raw)[0] / 10 if raw is not None and len(raw) == 4 else None

    @property
    def lock(self) -> tuple[LockState, float | None, str | None] | None:
        raw = self.extras.get(LOCK_EXTRA_ID)
        if raw is None or len(raw) < 2:
            return None
        state = LOCK_STATE_CODES.get(raw[0], LockState.UNKNOWN)
        battery = None if raw[1] == 0xFF else float(raw[1])
        lock_id = raw[2:].decode("ascii", "replace") or None
        return state, battery, lock_id


_BASIC = struct.Struct(">IIIIHHH6s")


def decode_location(body: bytes) -> Location:
    if len(body) < _BASIC.size:
        raise FrameError("length", f"0x0200 body of {len(body)} bytes is shorter than 28")
    alarm, status, lat_raw, lon_raw, altitude, speed, direction, time_bcd = _BASIC.unpack_from(body, 0)
    lat = lat_raw / 1e6 * (-1 if status & 0x4 else 1)
    lon = lon_raw / 1e6 * (-1 if status & 0x8 else 1)
    extras: dict[int, bytes] = {}
    offset = _BASIC.size
    while offset + 2 <= len(body):
        extra_id, length = body[offset], body[offset + 1]
        if offset + 2 + length > len(body):
            raise FrameError("length", f"extra 0x{extra_id:02X} of {length} bytes runs past the body")
        extras[extra_id] = body[offset + 2: offset + 2 + length]
        offset += 2 + length
    if offset != len(body):
        raise FrameError("length", "trailing byte after the extras")
    return Location(alarm, status, lat, lon, altitude, speed, direction, decode_time(time_bcd), extras)


def encode_location(loc: Location) -> bytes:
    status = loc.status & ~0xC
    if loc.lat < 0:
        status |= 0x4
    if loc.lon < 0:
        status |= 0x8
    body = _BASIC.pack(loc.alarm, status, round(abs(loc.lat) * 1e6), round(abs(loc.lon) * 1e6), loc.altitude_m,
                       loc.speed_raw, loc.direction, encode_time(loc.time))
    for extra_id, value in loc.extras.items():
        body += bytes([extra_id, len(value)]) + value
    return body


def lock_extra(state: LockState, battery_pct: float | None, lock_id: str | None) -> bytes:
    battery = 0xFF if battery_pct is None else max(0, min(100, round(battery_pct)))
    return bytes([LOCK_STATE_BYTES[state], battery]) + (lock_id or "").encode("ascii")


def to_reading(device_id: str, seq: int, loc: Location, *, source: str = "jt808") -> Reading:
    lock = loc.lock
    alarms = loc.alarms
    return Reading(
        device_id=device_id, device_time=loc.time, seq=seq, lat=loc.lat, lon=loc.lon, speed_kmh=loc.speed_kmh,
        heading=loc.direction, altitude_m=loc.altitude_m, alarms=alarms, status=loc.statuses,
        lock_id=lock[2] if lock else None, lock_state=lock[0] if lock else None,
        battery_pct=lock[1] if lock else None, source=source,
        extras={"mileage_km": loc.mileage_km} if loc.mileage_km is not None else {},
    )


# --- 0x0704 batch / blind-area upload -----------------------------------------------------------------------
def decode_batch(body: bytes) -> tuple[int, list[Location]]:
    """Returns (type, locations): type 0 = normal batch, 1 = blind-area (补传) upload."""
    if len(body) < 3:
        raise FrameError("length", "0x0704 body shorter than 3 bytes")
    count, kind = struct.unpack_from(">HB", body, 0)
    offset, out = 3, []
    for _ in range(count):
        if offset + 2 > len(body):
            raise FrameError("length", "0x0704 item length truncated")
        (length,) = struct.unpack_from(">H", body, offset)
        offset += 2
        if offset + length > len(body):
            raise FrameError("length", "0x0704 item runs past the body")
        out.append(decode_location(body[offset: offset + length]))
        offset += length
    if offset != len(body):
        raise FrameError("length", "trailing bytes after the 0x0704 items")
    return kind, out


def encode_batch(locations: list[Location], kind: int = 1) -> bytes:
    body = struct.pack(">HB", len(locations), kind)
    for loc in locations:
        item = encode_location(loc)
        body += struct.pack(">H", len(item)) + item
    return body


# --- 0x0100 register / 0x0102 authenticate -----------------------------------------------------------------
@dataclass(frozen=True)
class Register:
    province: int
    city: int
    manufacturer: str
    model: str
    terminal_id: str
    plate_colour: int
    plate: str


def _text(raw: bytes) -> str:
    return raw.rstrip(b"\x00 ").decode("gbk", "replace")


def decode_register(body: bytes, *, v2019: bool = False) -> Register:
    sizes = (11, 30, 30) if v2019 else (5, 20, 7)
    fixed = 4 + sum(sizes) + 1
    if len(body) < fixed:
        raise FrameError("length", f"0x0100 body of {len(body)} bytes is shorter than {fixed}")
    province, city = struct.unpack_from(">HH", body, 0)
    offset = 4
    fields_ = []
    for size in sizes:
        fields_.append(_text(body[offset: offset + size]))
        offset += size
    colour = body[offset]
    plate = _text(body[offset + 1:])
    return Register(province, city, fields_[0], fields_[1], fields_[2], colour, plate)


def encode_register(reg: Register, *, v2019: bool = False) -> bytes:
    sizes = (11, 30, 30) if v2019 else (5, 20, 7)
    body = struct.pack(">HH", reg.province, reg.city)
    for value, size in zip((reg.manufacturer, reg.model, reg.terminal_id), sizes, strict=True):
        raw = value.encode("gbk")[:size]
        body += raw + b"\x00" * (size - len(raw))
    return body + bytes([reg.plate_colour]) + reg.plate.encode("gbk")


def decode_authenticate(body: bytes, *, v2019: bool = False) -> str:
    """The auth code (2013: the whole body; 2019: a length byte, the code, then IMEI and software version)."""
    if v2019:
        if not body or len(body) < 1 + body[0]:
            raise FrameError("length", "0x0102 body truncated")
        return body[1: 1 + body[0]].decode("gbk", "replace")
    return body.decode("gbk", "replace")


def encode_authenticate(code: str, *, v2019: bool = False, imei: str = "0" * 15, software: str = "") -> bytes:
    raw = code.encode("gbk")
    if v2019:
        return bytes([len(raw)]) + raw + imei.encode()[:15].ljust(15, b"\x00") + software.encode()[:20].ljust(
            20, b"\x00")
    return raw


# --- platform replies --------------------------------------------------------------------------------------
ACK_OK, ACK_FAIL, ACK_BAD, ACK_UNSUPPORTED, ACK_ALARM_CONFIRMED = 0, 1, 2, 3, 4


def encode_general_ack(reply_seq: int, reply_id: int, result: int = ACK_OK) -> bytes:
    """0x8001 body: the terminal's sequence number and message id, and the result."""
    return struct.pack(">HHB", reply_seq & 0xFFFF, reply_id, result)


def decode_general_ack(body: bytes) -> tuple[int, int, int]:
    if len(body) != 5:
        raise FrameError("length", "0x8001 body must be 5 bytes")
    seq, msg_id, result = struct.unpack(">HHB", body)
    return seq, msg_id, result


REG_OK, REG_VEHICLE_TAKEN, REG_NO_VEHICLE, REG_TERMINAL_TAKEN, REG_NO_TERMINAL = 0, 1, 2, 3, 4


def encode_register_ack(reply_seq: int, result: int, auth_code: str = "") -> bytes:
    """0x8100 body: reply sequence, result (0 ok … 4 terminal not in database), auth code when accepted."""
    body = struct.pack(">HB", reply_seq & 0xFFFF, result)
    return body + auth_code.encode("gbk") if result == REG_OK else body


def decode_register_ack(body: bytes) -> tuple[int, int, str]:
    if len(body) < 3:
        raise FrameError("length", "0x8100 body shorter than 3 bytes")
    seq, result = struct.unpack_from(">HB", body, 0)
    return seq, result, body[3:].decode("gbk", "replace")
