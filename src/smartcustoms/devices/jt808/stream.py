"""Cut JT/T 808 frames out of a TCP byte stream. Garbage, truncated frames and frames failing the checksum or
the length check are counted and dropped; `feed` never raises, whatever bytes arrive."""

from __future__ import annotations

from dataclasses import dataclass, field

from smartcustoms.devices.jt808.frame import FLAG, Frame, FrameError, decode_frame

MAX_FRAME = 2 * (2 + 2 + 1 + 10 + 2 + 4 + 1023 + 1) + 2
"""Largest legal escaped frame (2019 header, sub-package item, full body, every byte escaped)."""


@dataclass
class SplitterStats:
    frames: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    garbage_bytes: int = 0

    def drop(self, kind: str) -> None:
        self.dropped[kind] = self.dropped.get(kind, 0) + 1

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())


class FrameSplitter:
    """Feed it bytes as they arrive; it returns the complete, valid frames. Delimiters may be shared
    (``7E a 7E b 7E``) or doubled (``7E a 7E 7E b 7E``); a frame that fails leaves its closing 7E as the next
    frame's opening one, so one lost byte costs one frame, not two."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._buf = bytearray()
        self.max_frame = max_frame
        self.stats = SplitterStats()

    def feed(self, data: bytes) -> list[Frame]:
        buf = self._buf
        buf += data
        out: list[Frame] = []
        while True:
            start = buf.find(FLAG)
            if start < 0:
                self.stats.garbage_bytes += len(buf)
                buf.clear()
                break
            if start:
                self.stats.garbage_bytes += start
                del buf[:start]
            end = buf.find(FLAG, 1)
            if end < 0:
                if len(buf) > self.max_frame:
                    self.stats.drop("length")
                    buf.clear()
                break
            if end == 1:  # 7E 7E: the first closed an earlier frame
                del buf[:1]
                continue
            raw = bytes(buf[1:end])
            del buf[:end]
            if len(raw) > self.max_frame:
                self.stats.drop("length")
                continue
            try:
                frame = decode_frame(raw)
            except FrameError as exc:
                self.stats.drop(exc.kind)
                continue
            except Exception:  # a decoder bug must not kill the connection
                self.stats.drop("error")
                continue
            self.stats.frames += 1
            out.append(frame)
        return out
