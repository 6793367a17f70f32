"""The transit bench's ingest workers: each in its own process, as `smartcustoms transit ingest --share k/n`
runs in production (MqttIngest + Pipeline on PostgreSQL), reporting its figures back to the bench."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

TIME_LIMIT_S = 120.0


def _worker(db_url: str, mqtt_url: str, prefix: str, share: tuple[int, int], total: int, batch: int,
            consumed: Any, conn: Any) -> None:
    from smartcustoms.bootstrap import build_runtime
    from smartcustoms.capabilities.transit.ingest import Pipeline
    from smartcustoms.platform.settings import Settings
    from smartcustoms.workers.transit_ingest import MqttIngest

    runtime = build_runtime(Settings(env="test", database_url=db_url, mqtt_url=None,
                                     data_dir=Path(f"/tmp/{prefix}-{share[0]}")), mqtt=False)
    pipeline = Pipeline(runtime)
    pipeline.warm()  # as `smartcustoms transit ingest` does at start-up
    deadline = time.monotonic() + TIME_LIMIT_S

    class BenchIngest(MqttIngest):
        def _process(self, batch: Any, stop: threading.Event) -> None:
            super()._process(batch, stop)
            if self.stats.acked >= total or time.monotonic() > deadline:
                stop.set()

    worker = BenchIngest(pipeline.ingest, mqtt_url, prefix=prefix, client_id=f"{prefix}-ingest-{share[0]}",
                         max_batch=batch, max_delay_s=0.05,
                         session_expiry_s=60, share=share)
    worker.connect()
    take = worker.client.receive

    def receive(*args: Any, **kwargs: Any) -> Any:  # the publisher's window counts what this worker has read
        got = take(*args, **kwargs)
        consumed.value += len(got)
        return got

    worker.client.receive = receive  # type: ignore[method-assign]
    conn.send("ready")
    worker.run(threading.Event())
    worker.close()
    runtime.close()
    conn.send(dict(worker.stats.__dict__))
    conn.close()


def run_workers(db_url: str, mqtt_url: str, prefix: str, total: int, n: int, consumed: list[Any],
                start_load: Any, batch: int = 10_000) -> list[dict[str, Any]]:
    """Start `n` workers (shares 1/n … n/n), call `start_load()` once all are subscribed, return their stats."""
    ctx = multiprocessing.get_context("spawn")
    pipes, procs = [], []
    for k in range(n):
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_worker, args=(db_url, mqtt_url, prefix, (k, n), total, batch, consumed[k], child),
                           daemon=True)
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    for parent in pipes:
        if not parent.poll(60) or parent.recv() != "ready":
            raise RuntimeError("an ingest worker did not start")
    start_load()
    stats = [parent.recv() if parent.poll(TIME_LIMIT_S + 30) else {} for parent in pipes]
    for proc in procs:
        proc.join(10)
    return stats
