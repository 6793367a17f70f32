"""`smartcustoms transit …`: the JT/T 808 server, the MQTT ingest worker, the truck simulator against them, and
partition maintenance. Lives in `workers/` because these commands build the runtime (a capability may not)."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime

import typer
from rich.console import Console

app = typer.Typer(help="Transit monitoring 在途监管: device servers, ingest, simulator.", no_args_is_help=True)
console = Console()


@app.command("jt808-server")
def jt808_server(host: str = "0.0.0.0", port: int = 6808) -> None:
    """Serve JT/T 808 terminals (registration, authentication, heartbeat, 0x0200, 0x0704) until stopped."""
    from smartcustoms.bootstrap import build_runtime
    from smartcustoms.workers.jt808_server import serve_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runtime = build_runtime()
    try:
        serve_forever(runtime, host, port)
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()


@app.command("ingest")
def ingest(client_id: str = "smartcustoms-transit-ingest", batch: int = 2000,
           share: str = typer.Option("1/1", help="k/n: run as worker k of n (each runs its own share of the locks)"),
           ) -> None:
    """Consume smart-lock messages from MQTT (QoS 1, persistent session) into the transit pipeline."""
    from smartcustoms.bootstrap import build_runtime
    from smartcustoms.workers.transit_ingest import parse_share, run_ingest

    try:
        k_of_n = parse_share(share)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if k_of_n[1] > 1 and client_id == "smartcustoms-transit-ingest":
        client_id = f"{client_id}-{k_of_n[0] + 1}of{k_of_n[1]}"  # one session per worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runtime = build_runtime()
    stop = threading.Event()
    try:
        run_ingest(runtime, stop, client_id=client_id, max_batch=batch, share=k_of_n)
    except KeyboardInterrupt:
        stop.set()
    finally:
        runtime.close()


@app.command("simulate")
def simulate(trucks: int = 4, jt808: str = typer.Option("127.0.0.1:6808", help="host:port of the JT/T 808 server"),
             mqtt: bool = typer.Option(True, help="odd-numbered trucks use MQTT locks"),
             interval: float = 30.0, pace: float = 0.0, open_transits: bool = True,
             anomalies: bool = True) -> None:
    """Drive N trucks Yiwu → Ningbo / Yangshan against the real servers; opens their transits first."""
    from smartcustoms.bootstrap import build_runtime
    from smartcustoms.capabilities.transit.services import open_transit_as
    from smartcustoms.capabilities.transit.simulation import open_command
    from smartcustoms.devices.truck_sim import Anomaly, fleet
    from smartcustoms.platform.audit import Actor
    from smartcustoms.workers.truck_runner import run_jt808, run_mqtt

    runtime = build_runtime(mqtt=False)
    chosen = {1: (Anomaly("detour", at=0.35, duration_s=1500, offset_m=7000),),
              2: (Anomaly("long_stop", at=0.5, duration_s=30 * 60),),
              3: (Anomaly("lock_open", at=0.6),), 4: (Anomaly("signal_gap", at=0.4, duration_s=20 * 60),)}
    plans = fleet(trucks, datetime.now(UTC), interval_s=interval, anomalies=chosen if anomalies else None)
    over_mqtt = [p for i, p in enumerate(plans) if mqtt and i % 2 == 1]
    over_tcp = [p for p in plans if p not in over_mqtt]
    if open_transits:
        for p in plans:
            device = p.lock_id if p in over_mqtt else p.device_id
            cmd = open_command(p)
            cmd = type(cmd)(**{**cmd.__dict__, "device_id": device})
            try:
                open_transit_as(runtime, Actor.system("simulator"), cmd)
            except Exception as exc:
                console.print(f"[yellow]{p.plate}: {exc}[/yellow]")
    host, port = jt808.rsplit(":", 1)
    threads = []
    if over_mqtt:
        url = runtime.settings.mqtt_url or "mqtt://127.0.0.1:1883"
        t = threading.Thread(target=run_mqtt, args=(over_mqtt, url, runtime.settings.mqtt_topic_prefix))
        t.start()
        threads.append(t)
    stats = asyncio.run(run_jt808(over_tcp, host, int(port), pace_s=pace)) if over_tcp else None
    for t in threads:
        t.join()
    runtime.close()
    console.print(f"simulated {len(plans)} trucks; JT/T 808 reports acknowledged: {stats.acked if stats else 0}")


@app.command("partitions")
def partitions(months: int = 3) -> None:
    """PostgreSQL: create monthly partitions of transit_positions ahead of time (run monthly, before the month
    starts; rows already in the default partition for that month would block the attach)."""
    from smartcustoms.bootstrap import build_runtime
    from smartcustoms.capabilities.transit.maintenance import create_monthly_partitions

    runtime = build_runtime(mqtt=False)
    try:
        created = create_monthly_partitions(runtime.engine, datetime.now(UTC), months)
    finally:
        runtime.close()
    console.print(f"partitions: {', '.join(created) or 'nothing to do'}")
