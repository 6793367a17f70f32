"""Runs simulated trucks (`devices/truck_sim.py`) against the real servers: JT/T 808 over TCP (register,
authenticate, 0x0200 per fix, 0x0704 blind-area upload after a signal gap, every report waiting for its 0x8001)
and JSON lock messages over MQTT (QoS 1). Loopback or any reachable server; bounded by the trip length."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt

from smartcustoms.devices import elock
from smartcustoms.devices.jt808 import messages as m
from smartcustoms.devices.jt808.frame import Frame, Header, encode_frame
from smartcustoms.devices.jt808.messages import Location
from smartcustoms.devices.jt808.stream import FrameSplitter
from smartcustoms.devices.reading import LockState, Reading
from smartcustoms.devices.truck_sim import Truck, TruckPlan
from smartcustoms.platform.mqtt import parse_url

STATUS = m.STATUS_MASKS["acc_on"] | m.STATUS_MASKS["fixed"] | m.STATUS_MASKS["gps"] | m.STATUS_MASKS["beidou"]


@dataclass
class RunStats:
    sent: int = 0
    acked: int = 0
    nacked: int = 0
    blind_uploads: int = 0
    send_times: dict[tuple[str, str], float] = field(default_factory=dict)
    """(device id, device time ISO) → wall time sent; the bench uses it for alarm latency."""


def location_of(r: Reading) -> Location:
    extras = {}
    if r.lock_state is not None:
        extras[m.LOCK_EXTRA_ID] = m.lock_extra(r.lock_state, r.battery_pct, r.lock_id)
    return Location(alarm=0, status=STATUS, lat=r.lat or 0.0, lon=r.lon or 0.0, altitude_m=r.altitude_m or 0,
                    speed_raw=round((r.speed_kmh or 0) * 10), direction=(r.heading or 0) % 360,
                    time=r.device_time, extras=extras)


class Terminal:
    """One JT/T 808 terminal connection."""

    def __init__(self, phone: str, plate: str, *, v2019: bool = False) -> None:
        self.phone, self.plate, self.v2019 = phone, plate, v2019
        self.seq = 0
        self.splitter = FrameSplitter()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self._inbox: list[Frame] = []

    async def connect(self, host: str, port: int) -> None:
        self.reader, self.writer = await asyncio.open_connection(host, port)

    async def request(self, msg_id: int, body: bytes, timeout: float = 30.0) -> Frame:
        assert self.reader is not None and self.writer is not None
        self.seq = (self.seq + 1) & 0xFFFF
        seq = self.seq
        self.writer.write(encode_frame(Header(msg_id, self.phone, seq, version=1 if self.v2019 else None), body))
        await self.writer.drain()
        deadline = time.monotonic() + timeout
        while True:
            for i, f in enumerate(self._inbox):
                if f.header.msg_id == m.REGISTER_ACK or (f.header.msg_id == m.PLATFORM_ACK
                                                        and m.decode_general_ack(f.body)[0] == seq):
                    return self._inbox.pop(i)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no reply to 0x{msg_id:04X} seq {seq}")
            data = await asyncio.wait_for(self.reader.read(4096), remaining)
            if not data:
                raise ConnectionError("server closed the connection")
            self._inbox += self.splitter.feed(data)

    async def login(self) -> None:
        reg = m.Register(33, 782, "SMCUS", "SC-TRUCK-SIM", self.phone[-7:], 2, self.plate)
        reply = await self.request(m.REGISTER, m.encode_register(reg, v2019=self.v2019))
        _seq, result, code = m.decode_register_ack(reply.body)
        if result != m.REG_OK:
            raise ConnectionError(f"registration refused ({result})")
        auth = await self.request(m.AUTHENTICATE, m.encode_authenticate(code, v2019=self.v2019))
        if m.decode_general_ack(auth.body)[2] != m.ACK_OK:
            raise ConnectionError("authentication refused")

    async def report(self, reading: Reading) -> bool:
        reply = await self.request(m.LOCATION, m.encode_location(location_of(reading)))
        return m.decode_general_ack(reply.body)[2] == m.ACK_OK

    async def upload_blind(self, readings: Sequence[Reading]) -> bool:
        ok = True
        for i in range(0, len(readings), 20):  # keep each frame under the 1023-byte body limit
            body = m.encode_batch([location_of(r) for r in readings[i:i + 20]], kind=1)
            reply = await self.request(m.BATCH_LOCATION, body)
            ok = ok and m.decode_general_ack(reply.body)[2] == m.ACK_OK
        return ok

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()


async def drive_jt808(plan: TruckPlan, host: str, port: int, stats: RunStats, *, pace_s: float = 0.0,
                      limit: int | None = None) -> None:
    terminal = Terminal(plan.device_id, plan.plate)
    await terminal.connect(host, port)
    try:
        await terminal.login()
        held: list[Reading] = []
        for i, r in enumerate(Truck(plan).readings()):
            if limit is not None and i >= limit:
                break
            if r.extras.get("blind"):
                held.append(r)
                continue
            stats.send_times[(r.device_id, r.device_time.isoformat())] = time.time()
            ok = await terminal.report(r)
            stats.sent += 1
            stats.acked += ok
            stats.nacked += not ok
            if held:
                await terminal.upload_blind(held)
                stats.sent += len(held)
                stats.blind_uploads += 1
                held = []
            if pace_s:
                await asyncio.sleep(pace_s)
    finally:
        await terminal.close()


async def run_jt808(plans: Sequence[TruckPlan], host: str, port: int, *, pace_s: float = 0.0,
                    limit: int | None = None) -> RunStats:
    stats = RunStats()
    await asyncio.gather(*(drive_jt808(p, host, port, stats, pace_s=pace_s, limit=limit) for p in plans))
    return stats


def lock_messages(plan: TruckPlan, limit: int | None = None) -> list[tuple[str, bytes, Reading]]:
    """(event, payload, reading) for a lock that speaks JSON over MQTT: a position per fix, plus seal events
    when the lock state changes. Blind (signal gap) fixes are sent late, after the gap, like a real lock."""
    out: list[tuple[str, bytes, Reading]] = []
    held: list[Reading] = []
    state = LockState.SEALED
    seq = 0
    for i, r in enumerate(Truck(plan).readings()):
        if limit is not None and i >= limit:
            break
        r = Reading(device_id=plan.lock_id, device_time=r.device_time, seq=seq, lat=r.lat, lon=r.lon,
                    speed_kmh=r.speed_kmh, heading=r.heading, lock_id=plan.lock_id, lock_state=r.lock_state,
                    battery_pct=r.battery_pct, source="mqtt", extras=r.extras)
        seq += 1
        event = "position"
        if r.lock_state is not None and r.lock_state is not state:
            event = {LockState.OPENED: "unseal", LockState.TAMPERED: "tamper", LockState.SEALED: "seal"}.get(
                r.lock_state, "position")
            state = r.lock_state
        if r.extras.get("blind"):
            held.append(r)
            continue
        out.append((event, elock.encode(r, event), r))
        for h in held:
            out.append(("position", elock.encode(h, "position"), h))
        held = []
    return out


def run_mqtt(plans: Sequence[TruckPlan], url: str, prefix: str = "smartcustoms", *, limit: int | None = None,
             client_id: str = "", interleave: bool = True) -> RunStats:
    """Publish every lock message with QoS 1 and wait for the broker's acknowledgements."""
    stats = RunStats()
    host, port = parse_url(url)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(host, port, keepalive=30)
    client.loop_start()
    try:
        streams = [lock_messages(p, limit) for p in plans]
        order = []
        if interleave:
            for i in range(max((len(s) for s in streams), default=0)):
                order += [(p, s[i]) for p, s in zip(plans, streams, strict=True) if i < len(s)]
        else:
            order = [(p, item) for p, s in zip(plans, streams, strict=True) for item in s]
        infos = []
        for plan, (_event, payload, reading) in order:
            stats.send_times[(reading.device_id, reading.device_time.isoformat())] = time.time()
            infos.append(client.publish(elock.topic_for(prefix, plan.lock_id), payload, qos=1))
            stats.sent += 1
        for info in infos:
            info.wait_for_publish(30)
            stats.acked += info.is_published()
    finally:
        client.loop_stop()
        client.disconnect()
    return stats
