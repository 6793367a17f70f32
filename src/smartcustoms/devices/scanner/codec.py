"""Image codec for scan ingestion: each energy is one 16-bit greyscale PNG (transmission × 65535), written and
read with zlib + struct (no imaging library). The decoder accepts exactly what a scanner sends — PNG signature,
IHDR 16-bit greyscale, non-interlaced, IDAT chunks with valid CRC-32, filter types 0–4 — and raises
`CorruptImage` (with a reason code) for anything else, never a partial image.

`encode_rgb` writes 8-bit RGB PNGs for the pseudo-colour renderings shown to reviewers."""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PIXELS = 4096 * 8192


class CorruptImage(ValueError):
    """The bytes are not a valid scanner image; `reason` is a short code (signature, crc, header, data, size)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png(width: int, height: int, bit_depth: int, colour: int, raw_rows: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw_rows, 6)) + _chunk(b"IEND", b"")


def encode_gray16(image: np.ndarray) -> bytes:
    """A 2-D uint16 array as a 16-bit greyscale PNG (big-endian samples, filter 0 on every row)."""
    if image.ndim != 2 or image.dtype != np.uint16:
        raise ValueError("expected a 2-D uint16 array")
    h, w = image.shape
    rows = np.zeros((h, 1 + 2 * w), dtype=np.uint8)
    rows[:, 1:] = image.astype(">u2").view(np.uint8).reshape(h, 2 * w)
    return _png(w, h, 16, 0, rows.tobytes())


def encode_rgb(image: np.ndarray) -> bytes:
    """A (h, w, 3) uint8 array as an 8-bit RGB PNG."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError("expected a (h, w, 3) uint8 array")
    h, w, _ = image.shape
    rows = np.zeros((h, 1 + 3 * w), dtype=np.uint8)
    rows[:, 1:] = image.reshape(h, 3 * w)
    return _png(w, h, 8, 2, rows.tobytes())


def _unfilter(data: np.ndarray, h: int, stride: int, bpp: int) -> np.ndarray:
    out = np.zeros((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(h):
        ftype = int(data[y, 0])
        line = data[y, 1:].astype(np.int32)
        if ftype == 0:
            cur = line
        elif ftype == 2:
            cur = (line + prev) & 0xFF
        elif ftype in (1, 3, 4):
            cur = np.zeros(stride, dtype=np.int32)
            for i in range(stride):  # rare for scanner output; plain loop keeps it correct
                a = int(cur[i - bpp]) if i >= bpp else 0
                b = int(prev[i])
                c = int(prev[i - bpp]) if i >= bpp else 0
                if ftype == 1:
                    pred = a
                elif ftype == 3:
                    pred = (a + b) // 2
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[i] = (int(line[i]) + pred) & 0xFF
        else:
            raise CorruptImage("data")
        out[y] = cur
        prev = cur
    return out


def decode_gray16(blob: bytes) -> np.ndarray:
    """Decode a 16-bit greyscale PNG into a uint16 array, or raise `CorruptImage`."""
    if not blob.startswith(SIGNATURE):
        raise CorruptImage("signature")
    pos, header, idat, ended = len(SIGNATURE), None, [], False
    while pos < len(blob):
        if pos + 8 > len(blob):
            raise CorruptImage("data")
        (length,) = struct.unpack(">I", blob[pos:pos + 4])
        kind = blob[pos + 4:pos + 8]
        end = pos + 8 + length
        if end + 4 > len(blob):
            raise CorruptImage("data")
        data = blob[pos + 8:end]
        (crc,) = struct.unpack(">I", blob[end:end + 4])
        if zlib.crc32(kind + data) & 0xFFFFFFFF != crc:
            raise CorruptImage("crc")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data) if length == 13 else None
            if header is None:
                raise CorruptImage("header")
        elif kind == b"IDAT":
            idat.append(data)
        elif kind == b"IEND":
            ended = True
            break
        pos = end + 4
    if header is None or not ended or not idat:
        raise CorruptImage("data")
    width, height, depth, colour, _comp, _filt, interlace = header
    if depth != 16 or colour != 0 or interlace != 0:
        raise CorruptImage("header")
    if width == 0 or height == 0 or width * height > MAX_PIXELS:
        raise CorruptImage("size")
    stride = 2 * width
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error:
        raise CorruptImage("data") from None
    if len(raw) != height * (stride + 1):
        raise CorruptImage("data")
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, stride + 1)
    pixels = rows[:, 1:] if np.all(rows[:, 0] == 0) else _unfilter(rows, height, stride, 2)
    return np.ascontiguousarray(pixels).view(">u2").reshape(height, width).astype(np.uint16)
