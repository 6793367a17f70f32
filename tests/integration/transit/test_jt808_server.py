"""The JT/T 808 server over a real loopback socket: garbage and bad frames are counted and dropped while the
connection lives on; unauthenticated reports are refused; a failed batch is answered with result 1."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

from smartcustoms.devices.jt808 import messages as m
from smartcustoms.devices.jt808.frame import Header, encode_frame
from smartcustoms.devices.reading import LockState, Reading
from smartcustoms.workers.jt808_server import Jt808Server, ServerThread
from smartcustoms.workers.truck_runner import Terminal

AT = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)


def _run(coro_factory: Any) -> Any:
    out: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: out.setdefault("v", asyncio.run(coro_factory())))
    thread.start()
    thread.join(60)
    return out["v"]


def test_bad_input_never_kills_the_connection() -> None:
    got: list[Reading] = []
    failing = {"on": False}

    def ingest(batch: list[Reading]) -> None:
        if failing["on"]:
            raise RuntimeError("database down")
        got.extend(batch)

    server = ServerThread(Jt808Server(ingest, secret=b"s", max_delay_s=0.005)).start()

    async def scenario() -> dict[str, Any]:
        t = Terminal("13800000099", "浙G00099")
        await t.connect("127.0.0.1", server.port)
        reading = Reading("13800000099", AT, 0, lat=29.3, lon=120.1, speed_kmh=60, heading=90,
                          lock_id="EL1", lock_state=LockState.SEALED, battery_pct=80)
        from smartcustoms.workers.truck_runner import location_of

        body = m.encode_location(location_of(reading))
        refused = m.decode_general_ack((await t.request(m.LOCATION, body)).body)[2]
        assert t.writer is not None
        good = encode_frame(Header(m.HEARTBEAT, t.phone, 500), b"")
        t.writer.write(b"\x00garbage\x7e\x01\x02\x7e" + good[:-2] + bytes([good[-2] ^ 0xFF]) + b"\x7e"
                       + b"\x7e\x7d\x03\x7e")
        await t.login()
        ok = m.decode_general_ack((await t.request(m.LOCATION, body)).body)[2]
        bad_body = m.decode_general_ack((await t.request(m.LOCATION, b"\x00\x01")).body)[2]
        failing["on"] = True
        reading2 = Reading("13800000099", AT.replace(minute=31), 1, lat=29.3, lon=120.1)
        failed = m.decode_general_ack((await t.request(m.LOCATION, m.encode_location(location_of(reading2)))).body)[2]
        beat = m.decode_general_ack((await t.request(m.HEARTBEAT, b"")).body)[2]
        wrong = Terminal("13800000098", "浙G00098")
        await wrong.connect("127.0.0.1", server.port)
        auth = m.decode_general_ack((await wrong.request(m.AUTHENTICATE, b"not-the-code")).body)[2]
        await t.close()
        await wrong.close()
        return {"refused": refused, "ok": ok, "bad_body": bad_body, "failed": failed, "beat": beat, "auth": auth}

    try:
        result = _run(scenario)
    finally:
        server.stop()
    assert result == {"refused": m.ACK_FAIL, "ok": m.ACK_OK, "bad_body": m.ACK_BAD, "failed": m.ACK_FAIL,
                      "beat": m.ACK_OK, "auth": m.ACK_FAIL}
    assert [(r.device_id, r.lock_state, r.speed_kmh) for r in got] == [("13800000099", LockState.SEALED, 60.0)]
    stats = server.server.stats
    assert stats.dropped.get("checksum", 0) >= 1 and stats.dropped.get("escape", 0) >= 1
    assert stats.unauthenticated_reports == 1 and stats.auth_failures == 1 and stats.failed_batches == 1
    assert stats.connections == 0
