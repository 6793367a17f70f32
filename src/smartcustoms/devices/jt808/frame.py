"""JT/T 808 framing: `7E | header | body | checksum | 7E` with 7E/7D escaped (G10LS §1.2–1.4).

Send: build → checksum → escape. Receive: unescape → verify → parse. Unescaping is one left-to-right pass over
the 0x7D positions (domain doc §1.3: sequential replacement in the wrong order corrupts frames).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

FLAG = 0x7E
ESC = 0x7D
_FLAG_B = b"\x7e"
_ESC_B = b"\x7d"

BODY_LEN_MASK = 0x03FF
ENCRYPTION_MASK = 0x1C00
SUBPACKAGE_BIT = 0x2000
VERSION_BIT = 0x4000
MAX_BODY = BODY_LEN_MASK


class FrameError(ValueError):
    """A frame that cannot be decoded; `kind` is one of escape, checksum, length, header."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def escape(data: bytes) -> bytes:
    """7D → 7D 01 first, then 7E → 7D 02 (the second step introduces no new 7D 01)."""
    return data.replace(_ESC_B, b"\x7d\x01").replace(_FLAG_B, b"\x7d\x02")


def unescape(data: bytes) -> bytes:
    """Single left-to-right pass: every 7D must be followed by 01 (→ 7D) or 02 (→ 7E)."""
    if ESC not in data:
        return data
    parts = data.split(_ESC_B)
    out = bytearray(parts[0])
    for part in parts[1:]:
        if not part:
            raise FrameError("escape", "0x7D at the end or followed by 0x7D")
        lead = part[0]
        if lead == 0x01:
            out.append(ESC)
        elif lead == 0x02:
            out.append(FLAG)
        else:
            raise FrameError("escape", f"0x7D followed by 0x{lead:02X}")
        out += part[1:]
    return bytes(out)


def checksum(data: bytes) -> int:
    """XOR of every byte from the header to the byte before the checksum (G10LS §1.4.4)."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def bcd_encode(digits: str, size: int) -> bytes:
    """Left-pad with zeros to 2*size digits and pack as 8421 BCD."""
    if not digits.isdigit() or len(digits) > 2 * size:
        raise ValueError(f"not a BCD number of at most {2 * size} digits: {digits!r}")
    return bytes.fromhex(digits.rjust(2 * size, "0"))


def bcd_decode(data: bytes) -> str:
    text = data.hex()
    if not text.isdigit():
        raise FrameError("header", f"not BCD: {text}")
    return text


@dataclass(frozen=True)
class Header:
    msg_id: int
    phone: str
    """Terminal phone number, the BCD digits with leading zeros removed (at least one digit kept)."""
    seq: int
    body_len: int = 0
    encryption: int = 0
    version: int | None = None
    """None: 2011/2013 header; otherwise the 2019 protocol version byte (bit 14 set, phone BCD[10])."""
    pkg_total: int | None = None
    pkg_no: int | None = None

    @property
    def is_2019(self) -> bool:
        return self.version is not None


@dataclass(frozen=True)
class Frame:
    header: Header
    body: bytes


def _phone_digits(raw: str) -> str:
    return raw.lstrip("0") or "0"


def encode_header(header: Header, body_len: int) -> bytes:
    if body_len > MAX_BODY:
        raise ValueError(f"body of {body_len} bytes exceeds {MAX_BODY}; sub-package it")
    attr = body_len | ((header.encryption & 0x7) << 10)
    subpackaged = header.pkg_total is not None
    if subpackaged:
        attr |= SUBPACKAGE_BIT
    if header.version is not None:
        attr |= VERSION_BIT
        out = struct.pack(">HHB", header.msg_id, attr, header.version) + bcd_encode(header.phone, 10)
    else:
        out = struct.pack(">HH", header.msg_id, attr) + bcd_encode(header.phone, 6)
    out += struct.pack(">H", header.seq & 0xFFFF)
    if subpackaged:
        out += struct.pack(">HH", header.pkg_total or 0, header.pkg_no or 0)
    return out


def encode_frame(header: Header, body: bytes) -> bytes:
    """The complete frame on the wire, delimiters included."""
    content = encode_header(header, len(body)) + body
    return _FLAG_B + escape(content + bytes([checksum(content)])) + _FLAG_B


def decode_content(content: bytes) -> Frame:
    """Decode one unescaped frame content (header … checksum, no delimiters)."""
    if len(content) < 13:
        raise FrameError("length", f"{len(content)} bytes is shorter than a header and checksum")
    if checksum(content[:-1]) != content[-1]:
        raise FrameError("checksum", f"computed 0x{checksum(content[:-1]):02X}, frame says 0x{content[-1]:02X}")
    msg_id, attr = struct.unpack_from(">HH", content, 0)
    body_len = attr & BODY_LEN_MASK
    if attr & VERSION_BIT:
        if len(content) < 18:
            raise FrameError("length", "2019 header truncated")
        version = content[4]
        phone = _phone_digits(bcd_decode(content[5:15]))
        offset = 15
    else:
        version = None
        phone = _phone_digits(bcd_decode(content[4:10]))
        offset = 10
    (seq,) = struct.unpack_from(">H", content, offset)
    offset += 2
    pkg_total = pkg_no = None
    if attr & SUBPACKAGE_BIT:
        if len(content) < offset + 5:
            raise FrameError("length", "package item truncated")
        pkg_total, pkg_no = struct.unpack_from(">HH", content, offset)
        offset += 4
    body = content[offset:-1]
    if len(body) != body_len:
        raise FrameError("length", f"body attribute says {body_len} bytes, frame carries {len(body)}")
    header = Header(msg_id, phone, seq, body_len, (attr & ENCRYPTION_MASK) >> 10, version, pkg_total, pkg_no)
    return Frame(header, body)


def decode_frame(raw: bytes) -> Frame:
    """Decode one frame as received, with or without its 7E delimiters."""
    if raw[:1] == _FLAG_B:
        raw = raw[1:]
    if raw[-1:] == _FLAG_B:
        raw = raw[:-1]
    if FLAG in raw:
        raw_flag_at = raw.index(FLAG)
        raise FrameError("escape", f"unescaped 0x7E inside the frame at {raw_flag_at}")
    return decode_content(unescape(raw))
