"""Transit ingest benchmark (issue 7), loopback only, bounded in count and time:

1. broker baseline — the same JSON lock messages published with QoS 1 through Mosquitto (pre-encoded packets from
   their own process, bench/mqtt_load.py) to the ingest's own subscriber client (platform/mqtt_subscriber.py),
   acknowledged per batch and doing nothing else (same publisher, same client, same run);
2. pipeline — published through Mosquitto to the ingest worker in its own process (MQTT v5 session, acks after
   commit; bench/transit_workers.py), decoded, de-duplicated, corridor-checked and stored in PostgreSQL with
   alarms; reports/s and the ratio to 1;
3. alarm latency — from the device message leaving the publisher to its alarm row committed (p50/p99);
4. JT/T 808 connections — how many concurrent terminals (register + authenticate + heartbeat) one server
   process holds, trying 5,000 with `ulimit -n` raised in-process.

Environment: SMARTCUSTOMS_BENCH_PG_ADMIN_URL (default postgres on 127.0.0.1), SMARTCUSTOMS_BENCH_MQTT_URL
(default mqtt://127.0.0.1:1883), BENCH_TRANSIT_MESSAGES (default 60000), BENCH_TRANSIT_TRUCKS (default 300),
BENCH_TRANSIT_CONNECTIONS (default 5000), BENCH_TRANSIT_WORKERS (ingest processes, `--share k/n`; default 1),
BENCH_TRANSIT_BATCH (default 10000), BENCH_TRANSIT_PACED (fraction of the measured rate for the latency run, 0.8).
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PG_ADMIN = os.environ.get("SMARTCUSTOMS_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MQTT_URL = os.environ.get("SMARTCUSTOMS_BENCH_MQTT_URL", "mqtt://127.0.0.1:1883")
MESSAGES = int(os.environ.get("BENCH_TRANSIT_MESSAGES", "60000"))
TRUCKS = int(os.environ.get("BENCH_TRANSIT_TRUCKS", "300"))
CONNECTIONS = int(os.environ.get("BENCH_TRANSIT_CONNECTIONS", "5000"))
TIME_LIMIT_S = 120.0
PACED = float(os.environ.get("BENCH_TRANSIT_PACED", "0.8"))
"""The alarm-latency run offers this fraction of the throughput just measured."""


def _messages(plans: list[Any], per_truck: int, prefix: str) -> list[tuple[str, bytes, Any]]:
    from smartcustoms.devices import elock
    from smartcustoms.workers.truck_runner import lock_messages

    streams = [lock_messages(p, per_truck) for p in plans]
    out = []
    for i in range(per_truck):
        for p, s in zip(plans, streams, strict=True):
            if i < len(s):
                out.append((elock.topic_for(prefix, p.lock_id), s[i][1], s[i][2]))
    return out


def _publisher(messages: list[tuple[str, bytes, Any]], rate: float | None = None) -> Any:
    """Start the load generator (its own process, pre-encoded packets: bench/mqtt_load.py)."""
    from bench.mqtt_load import Publisher
    from smartcustoms.platform.mqtt import parse_url

    host, port = parse_url(MQTT_URL)
    return Publisher(host, port, [(t, p) for t, p, _r in messages], rate=rate, window=BATCH)


def _send_times(messages: list[tuple[str, bytes, Any]], publisher: Any) -> dict[tuple[str, str], float]:
    _took, acked, sent_at = publisher.result()
    if acked < len(messages):
        print(f"  publisher: only {acked} of {len(messages)} acknowledged by the broker")
    return {(r.device_id, r.device_time.isoformat()): at for (_t, _p, r), at in zip(messages, sent_at, strict=False)}


def broker_baseline(messages: list[tuple[str, bytes, Any]], prefix: str) -> float:
    """The same messages through the same broker to the same subscriber client the ingest uses (QoS 1,
    acknowledged per batch, same batch size), doing nothing else."""
    from smartcustoms.platform.mqtt import parse_url
    from smartcustoms.platform.mqtt_subscriber import MqttSubscriber

    host, port = parse_url(MQTT_URL)
    sub = MqttSubscriber(host, port, f"{prefix}-raw", [f"{prefix}/devices/elock/+"], clean_start=True,
                         session_expiry_s=0)
    sub.connect()
    publisher = _publisher(messages)
    received, first, last = 0, 0.0, 0.0
    deadline = time.monotonic() + TIME_LIMIT_S
    while received < len(messages) and time.monotonic() < deadline:
        batch = sub.receive(BATCH, wait_s=0.2, linger_s=0.05)
        if batch:
            first = first or time.perf_counter()
            publisher.took(len(batch))
            received += len(batch)
            sub.ack(batch)
            last = time.perf_counter()
    sub.close()
    _send_times(messages, publisher)
    if received < len(messages):
        print(f"  broker baseline: received {received} of {len(messages)}")
    return received / (last - first) if last > first else 0.0


BATCH = int(os.environ.get("BENCH_TRANSIT_BATCH", "10000"))
"""Messages per batch (ingest and baseline alike): the per-transit cost of a batch (row lock, projection, state
write-back) is spread over the reports each transit has in it, so larger batches are cheaper per report. The
publisher stays at most one batch ahead of what the worker has read, so the broker holds at most about four
batches unacknowledged for it — under the worker's Receive Maximum (65,535), beyond which Mosquitto would queue
only `max_queued_messages` (1,000) and drop the rest."""
WORKERS = int(os.environ.get("BENCH_TRANSIT_WORKERS", "1"))


def pipeline_run(runtime: Any, messages: list[tuple[str, bytes, Any]], prefix: str, rate: float | None = None,
                 workers: int = 1) -> tuple[float, int, list[float], dict[str, Any]]:
    """`workers` ingest processes (bench/transit_workers.py, shares 1/n … n/n), the publisher in its own
    process; returns (reports/s, stored, alarm latencies, summed worker stats)."""
    from sqlalchemy import func, select

    from bench.mqtt_load import counters
    from bench.transit_workers import run_workers
    from smartcustoms.capabilities.transit import db

    consumed = counters(workers)
    publisher: list[Any] = []

    def start_load() -> None:
        from bench.mqtt_load import Publisher
        from smartcustoms.platform.mqtt import parse_url

        host, port = parse_url(MQTT_URL)
        publisher.append(Publisher(host, port, [(t, p) for t, p, _r in messages], rate=rate, consumed=consumed,
                                   window=BATCH))

    stats = run_workers(runtime.settings.database_url, MQTT_URL, prefix, len(messages), workers, consumed,
                        start_load, batch=BATCH)
    send_times = _send_times(messages, publisher[0])
    firsts = [s["first_received_at"] for s in stats if s.get("first_received_at")]
    lasts = [s["last_commit_at"] for s in stats if s.get("last_commit_at")]
    took = max(lasts) - min(firsts) if firsts and lasts else float("inf")  # perf_counter: one clock per machine
    with runtime.engine.connect() as conn:
        stored = int(conn.execute(select(func.count()).select_from(db.positions).where(
            db.positions.c.device_id.in_({r.device_id for _t, _p, r in messages}))).scalar_one())
        alarms = {r.id: (r.device_id, r.raised_at) for r in conn.execute(
            select(db.alarms.c.id, db.alarms.c.device_id, db.alarms.c.raised_at))}
    if stored < len(messages):
        print(f"  pipeline: stored {stored} of {len(messages)} — messages were lost")
    latencies = []
    for s in stats:
        for alarm_id, committed in s.get("alarm_times", []):
            device_id, raised_at = alarms[alarm_id]
            sent = send_times.get((device_id, raised_at.isoformat()))
            if sent is not None:
                latencies.append(committed - sent)
    total = {k: sum(s.get(k) or 0 for s in stats) for k in ("batches", "duplicates", "bad", "alarms", "stored",
                                                             "reconnects", "failed_batches")}
    return stored / took, stored, latencies, total


def _jt808_clients(plans: list[Any], port: int, limit: int, out: Any) -> None:
    """Child process: every terminal registers, authenticates and reports `limit` fixes, each waiting for its
    0x8001 (sent only after the batch holding it is committed)."""
    from smartcustoms.workers.truck_runner import run_jt808

    started = time.perf_counter()
    stats = asyncio.run(run_jt808(plans, "127.0.0.1", port, limit=limit))
    out.send((time.perf_counter() - started, stats.sent, stats.acked))
    out.close()


def jt808_throughput(runtime: Any, plans: list[Any], limit: int) -> tuple[float, int, int]:
    import multiprocessing

    from smartcustoms.workers.jt808_server import Jt808Server, ServerThread, pipeline_ingest

    ingest, register = pipeline_ingest(runtime)
    server = ServerThread(Jt808Server(ingest, secret=b"bench", register=register, max_batch=2000,
                                      max_delay_s=0.02)).start()
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_jt808_clients, args=(plans, server.port, limit, child), daemon=True)
    proc.start()
    child.close()
    try:
        took, sent, acked = parent.recv() if parent.poll(TIME_LIMIT_S) else (float("inf"), 0, 0)
    finally:
        proc.join(10)
        server.stop()
    return acked / took, sent, acked


def connections(target: int) -> tuple[int, int, str]:
    """Open `target` JT/T 808 terminals (register, authenticate, heartbeat) and count what the server holds."""
    from smartcustoms.devices.jt808 import messages as m
    from smartcustoms.workers.jt808_server import Jt808Server, ServerThread
    from smartcustoms.workers.truck_runner import Terminal

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 2 * target + 1000) if hard != resource.RLIM_INFINITY else 2 * target + 1000
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    limit_note = f"nofile {resource.getrlimit(resource.RLIMIT_NOFILE)[0]} (hard {hard})"
    server = ServerThread(Jt808Server(lambda batch: None, secret=b"bench", register=None)).start()

    async def clients() -> tuple[int, int]:
        terminals: list[Terminal] = []
        sem = asyncio.Semaphore(200)
        deadline = time.monotonic() + 90

        async def one(i: int) -> None:
            if time.monotonic() > deadline:
                return
            async with sem:
                t = Terminal(str(15_000_000_000 + i), "浙G00000")
                try:
                    await t.connect("127.0.0.1", server.port)
                    await t.login()
                    terminals.append(t)
                except (OSError, TimeoutError, ConnectionError):
                    await t.close()

        await asyncio.gather(*(one(i) for i in range(target)))
        beats = 0

        async def beat(t: Terminal) -> None:
            nonlocal beats
            async with sem:
                try:
                    reply = await t.request(m.HEARTBEAT, b"", timeout=20)
                    beats += m.decode_general_ack(reply.body)[2] == m.ACK_OK
                except (OSError, TimeoutError, ConnectionError):
                    pass

        await asyncio.gather(*(beat(t) for t in terminals))
        held = server.server.stats.connections
        await asyncio.gather(*(t.close() for t in terminals))
        return held, beats

    try:
        held, beats = asyncio.run(clients())
    finally:
        server.stop()
    return held, beats, limit_note


def _latency(label: str, latencies: list[float]) -> None:
    if not latencies:
        print(f"alarm latency {label}: no alarms measured")
        return
    lat = sorted(latencies)
    p99 = lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))]
    print(f"alarm latency device message → alarm committed, {label}: n={len(lat)} p50 "
          f"{statistics.median(lat) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms (target < 1000 ms)")


def main() -> None:
    from sqlalchemy import create_engine, text

    from smartcustoms.bootstrap import build_runtime
    from smartcustoms.capabilities.transit.services import open_transit_as
    from smartcustoms.capabilities.transit.simulation import open_command
    from smartcustoms.cli.main import upgrade_database
    from smartcustoms.devices.truck_sim import Anomaly, fleet
    from smartcustoms.platform.audit import Actor
    from smartcustoms.platform.settings import Settings

    name = f"sc_bench_transit_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL not reachable ({type(exc).__name__}): transit bench skipped")
        return
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    prefix = f"scbench{uuid.uuid4().hex[:6]}"
    try:
        upgrade_database(url)
        runtime = build_runtime(Settings(env="test", database_url=url, mqtt_url=None, data_dir=Path(f"/tmp/{name}")),
                                mqtt=False)
        start = datetime.now(UTC).replace(microsecond=0)
        anomalies = {i: (Anomaly("detour", at=0.02, duration_s=3600, offset_m=9000),) for i in range(0, TRUCKS, 10)}
        plans = fleet(TRUCKS, start, interval_s=10, anomalies=anomalies, phone_base=16_000_000_000)
        plans = [replace(p, device_id=p.lock_id) for p in plans]
        for p in plans:
            open_transit_as(runtime, Actor.system("bench"), open_command(p, buffer_m=1500))
        per_truck = max(1, MESSAGES // TRUCKS)
        messages = _messages(plans, per_truck, prefix)
        print(f"{len(messages)} JSON lock reports from {TRUCKS} trucks ({per_truck} each, 1 in 10 detouring), "
              f"QoS 1, loopback Mosquitto, PostgreSQL {url.rsplit('@', 1)[-1].split('/')[0]}")

        raw = broker_baseline(messages, prefix)
        print(f"broker baseline (publish → Mosquitto → subscriber, no processing): {raw:,.0f} msg/s")
        rate, stored, latencies, stats = pipeline_run(runtime, messages, prefix, workers=WORKERS)
        print(f"pipeline (Mosquitto → ingest → decode → dedupe → corridor check → PostgreSQL): {rate:,.0f} reports/s"
              f" · stored {stored} of {len(messages)} · {WORKERS} ingest process(es)")
        print(f"ratio pipeline / broker: {rate / raw:.2f}   (issue target ≥ 20,000/s and ratio ≥ 0.3)")
        print(f"ingest stats: batches {stats['batches']}, duplicates {stats['duplicates']}, bad {stats['bad']}, "
              f"alarms {stats['alarms']}")
        _latency("at saturation (publisher flat out, backlog included)", latencies)

        # latency under load: fresh trucks, a quarter detouring a third of the way into the run (after the start-up
        # of 300 trips, whose first batch carries every opened → in transit change), paced at 80 % of the rate above
        more = fleet(TRUCKS, start, interval_s=10, phone_base=17_000_000_000,
                     anomalies={i: (Anomaly("detour", at=0.07, duration_s=3600, offset_m=9000),)
                                for i in range(0, TRUCKS, 4)})
        more = [replace(p, device_id=p.lock_id.replace("EL", "EM"), lock_id=p.lock_id.replace("EL", "EM"))
                for p in more]
        for p in more:
            open_transit_as(runtime, Actor.system("bench"), open_command(p, buffer_m=1500))
        paced = PACED * rate
        second = _messages(more, max(1, min(per_truck, int(paced * 3 / len(more)))), prefix + "b")  # ~3 s
        rate2, stored2, latencies2, _ = pipeline_run(runtime, second, prefix + "b", rate=paced, workers=WORKERS)
        print(f"paced run: {len(second)} reports at {paced:,.0f}/s offered → {rate2:,.0f}/s stored ({stored2})")
        _latency(f"at {paced:,.0f} reports/s", latencies2)

        tcp = [replace(p, lock_id=p.lock_id.replace("EL", "ET"))
               for p in fleet(200, start, interval_s=10, phone_base=18_000_000_000)]
        for p in tcp:
            open_transit_as(runtime, Actor.system("bench"), open_command(p, buffer_m=1500))
        tcp_rate, sent, acked = jt808_throughput(runtime, tcp, 40)
        print(f"JT/T 808 over TCP (200 terminals, register + auth, each 0x0200 waits for its ACK after commit): "
              f"{tcp_rate:,.0f} reports/s ({acked} of {sent} acknowledged, client in its own process)")
        runtime.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    started = time.perf_counter()
    held, beats, note = connections(CONNECTIONS)
    print(f"JT/T 808 concurrent connections: held {held} of {CONNECTIONS} tried (each registered and authenticated; "
          f"no database behind this figure), "
          f"{beats} heartbeats acknowledged, {time.perf_counter() - started:.1f} s, {note}")


if __name__ == "__main__":
    main()
