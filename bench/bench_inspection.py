"""Inspection report submission under load, on PostgreSQL: 50 officers at once, each uploading three 2 MB photos
and submitting the report (the draws, the judgement and the settlement that releases the declaration run in
the request), through uvicorn in its own process on loopback. Printed: p50 / p95 / max of the whole submission
(3 uploads + report) and of the report POST alone, next to two same-run baselines under the same concurrency:
a trivial authenticated endpoint (GET /api/v1/inspection/tasks) and the bare blob write of the same 6 MB."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from bench.bench_declarations import ROOT, declaration, free_port
from bench.decl_setup import BROKER, TRADER, seed
from bench.scratch import scratch_postgres

OFFICERS = int(os.environ.get("BENCH_INSPECTION_OFFICERS", "50"))
PHOTO_BYTES = 2 * 1024 * 1024
SIGNATURE = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
             "AAAABJRU5ErkJggg==")


def photo() -> bytes:
    """A JPEG-headed 2 MB body of random bytes (unique, so the content-addressed store writes every one)."""
    return b"\xff\xd8\xff\xe0" + os.urandom(PHOTO_BYTES - 4)


def prepare(url: str, data_dir: Path) -> tuple[Any, list[tuple[str, str]]]:
    """Migrate, seed, create the officers and one inspection task each (HS chapter 93 sends the declarations to
    inspection; the relay turns the orders into tasks, least-loaded: one per officer), start every task;
    return the runtime and (token, task id) per officer."""
    from sqlalchemy import select

    from smartcustoms.bootstrap import build_runtime
    from smartcustoms.capabilities.declarations.services import do_submit_batch
    from smartcustoms.capabilities.inspection import services
    from smartcustoms.capabilities.inspection.db import tasks
    from smartcustoms.cli.main import upgrade_database
    from smartcustoms.platform.audit import Actor
    from smartcustoms.platform.identity.model import Principal, Role
    from smartcustoms.platform.identity.services import NewUser, do_create_user, issue_token, principal_for_user
    from smartcustoms.platform.settings import Settings

    upgrade_database(url)
    runtime = build_runtime(Settings(env="dev", data_dir=data_dir, database_url=url, mqtt_url=None), mqtt=False)
    broker_id, _ = seed(runtime)
    officers = []
    with runtime.uow(Actor.system("bench")) as uow:
        for i in range(OFFICERS):
            officers.append(do_create_user(uow, NewUser(f"bench.inspector{i:02d}", f"inspector {i}",
                                                        "bench-password-123", frozenset({Role.INSPECTOR}), None,
                                                        "3104")))
        uow.commit()
    broker = Principal(user_id="bench", username="bench", display_name="bench", roles=frozenset({Role.BROKER}),
                       enterprise_id=broker_id)
    cmds = []
    for i in range(OFFICERS):
        cmd = declaration(20_000_000 + i, BROKER["customs_code"], TRADER["customs_code"])
        cmds.append(replace(cmd, items=(replace(cmd.items[0], hs_code="9302000000"), *cmd.items[1:])))
    outcomes = do_submit_batch(runtime, broker, cmds)
    assert all(o.result == "created" for o in outcomes), outcomes[0]
    assert runtime.relay is not None
    runtime.relay.drain()
    out = []
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(tasks.c.id, tasks.c.officer_id)).all()
    assert len(rows) == OFFICERS and len({r.officer_id for r in rows}) == OFFICERS
    for task_id, officer_id in rows:
        with runtime.engine.begin() as conn:
            who = principal_for_user(conn, officer_id)
            token = issue_token(conn, runtime.clock.now(), officer_id, "bench", 3600)
        assert who is not None
        services.do_start(runtime, who, task_id)
        out.append((token, str(task_id)))
    return runtime, out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def fmt(name: str, values: list[float]) -> str:
    return (f"{name:34s} n={len(values):3d}  p50 {statistics.median(values) * 1000:7.0f} ms  "
            f"p95 {pct(values, 0.95) * 1000:7.0f} ms  max {max(values) * 1000:7.0f} ms")


def run(url: str, data_dir: Path) -> None:
    runtime, officers = prepare(url, data_dir)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
    server = subprocess.Popen([sys.executable, "-m", "bench.decl_server", url, str(data_dir), str(port)],
                              cwd=ROOT, env=env)
    photos = [[photo() for _ in range(3)] for _ in officers]
    base = f"http://127.0.0.1:{port}"
    start = threading.Barrier(len(officers))
    try:
        with httpx.Client(base_url=base, timeout=30) as probe:
            for _ in range(300):
                try:
                    if probe.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)

        def trivial(i: int) -> list[float]:
            token, _task = officers[i]
            times = []
            with httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}"}) as c:
                start.wait()
                for _ in range(3):
                    t0 = time.perf_counter()
                    assert c.get("/api/v1/inspection/tasks").status_code == 200
                    times.append(time.perf_counter() - t0)
            return times

        def submit(i: int) -> tuple[float, float]:
            token, task_id = officers[i]
            with httpx.Client(base_url=base, timeout=300, headers={"Authorization": f"Bearer {token}"}) as c:
                start.wait()
                t0 = time.perf_counter()
                ids = []
                for n, data in enumerate(photos[i]):
                    res = c.post(f"/api/v1/inspection/tasks/{task_id}/media",
                                 files={"file": (f"p{n}.jpg", data, "image/jpeg")})
                    assert res.status_code == 201, res.text[:300]
                    ids.append(res.json()["id"])
                t1 = time.perf_counter()
                body = {"idempotency_key": uuid.uuid4().hex, "media_ids": ids, "signature": SIGNATURE,
                        "findings": [{"item_seq": s, "outcome": "conform"} for s in range(1, 6)]}
                res = c.post(f"/api/v1/inspection/tasks/{task_id}/report", json=body)
                t2 = time.perf_counter()
                assert res.status_code == 201, res.text[:300]
                assert res.json()["settlement"]["declaration_status"] == "released"
            return t2 - t0, t2 - t1

        with ThreadPoolExecutor(len(officers)) as pool:
            trivial_times = [t for ts in pool.map(trivial, range(len(officers))) for t in ts]
        start.reset()
        with ThreadPoolExecutor(len(officers)) as pool:
            results = list(pool.map(submit, range(len(officers))))
    finally:
        server.terminate()
        server.wait(timeout=30)
    blob_times = []
    scratch = Path(data_dir) / "baseline-blobs"
    from smartcustoms.platform.blobs import BlobStore

    store = BlobStore(scratch)
    for _ in range(len(officers)):
        fresh = [b"\xff\xd8\xff\xe0" + os.urandom(PHOTO_BYTES - 4) for _ in range(3)]
        t0 = time.perf_counter()
        for data in fresh:
            store.put(data)
        blob_times.append(time.perf_counter() - t0)
    runtime.close()
    whole, report_only = [r[0] for r in results], [r[1] for r in results]
    print(fmt("submission (3×2 MB photos + report)", whole))
    print(fmt("report POST alone", report_only))
    print(fmt("baseline: GET /inspection/tasks", trivial_times))
    print(fmt("baseline: bare blob write 3×2 MB", blob_times) + "  (sequential, in-process)")
    print(f"ratios (p95): submission / trivial endpoint {pct(whole, 0.95) / pct(trivial_times, 0.95):.1f} · "
          f"submission / bare blob write {pct(whole, 0.95) / pct(blob_times, 0.95):.1f} · "
          f"report POST / trivial endpoint {pct(report_only, 0.95) / pct(trivial_times, 0.95):.1f}")


def main() -> None:
    print(f"{OFFICERS} officers at once, each: 3 photos × 2 MB uploaded, then the report (5 findings, signature); "
          "PostgreSQL, uvicorn (1 worker) in its own process, loopback")
    with scratch_postgres() as url:
        if url is not None:
            with tempfile.TemporaryDirectory() as tmp:
                run(url, Path(tmp) / "data")


if __name__ == "__main__":
    main()
