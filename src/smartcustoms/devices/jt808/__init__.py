"""JT/T 808 (道路运输车辆卫星定位系统终端通讯协议) codec, pure: frames, messages and a TCP stream splitter.

Sources (domain/transit-and-gate.md §1): frame layout and escaping G10LS §1.2–1.4, message ids SmallChi and
Traccar `Jt808ProtocolDecoder` (read, not copied), 2019 header variant as Traccar writes it.

- `frame`: escape / unescape (one left-to-right pass), XOR checksum, header (2013 and 2019), encode / decode.
- `messages`: 0x0100 register, 0x0102 authenticate, 0x0002 heartbeat, 0x0200 location, 0x0704 batch upload;
  encoders for 0x8001 general ACK and 0x8100 register ACK (and the terminal messages, for the simulator).
- `stream`: `FrameSplitter` cuts frames out of a TCP byte stream and counts what it drops; it never raises.
"""
