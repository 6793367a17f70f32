"""Declarations accepted + screened per second through the real HTTP API (POST /declarations/batch, 500
declarations of 5 goods items per request), on SQLite and on PostgreSQL (a fresh database each), against a
same-run baseline: raw SQLAlchemy Core executemany inserts of the same rows (headers + items) into the same
database. Target: ≥ 1,000 declarations/s on PostgreSQL, ratio ≥ 0.25."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.decl_setup import BROKER, HS_CODES, TRADER, seed
from bench.scratch import scratch_postgres
from smartcustoms.capabilities.declarations import db as decl_db
from smartcustoms.capabilities.declarations.commands import GoodsLine, SubmitDeclaration
from smartcustoms.capabilities.declarations.validation import build_declaration
from smartcustoms.kernel.codes import make_declaration_number

BATCH = 500
ITEMS = 5
BATCHES = int(os.environ.get("BENCH_DECL_BATCHES", "20"))
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def declaration(serial: int, agent_code: str, trader_code: str) -> SubmitDeclaration:
    items = tuple(GoodsLine(seq=i + 1, hs_code=HS_CODES[(serial + i) % len(HS_CODES)], name="开关电源",
                            spec="24V 100W", quantity=Decimal(100 + i), unit="007", legal_quantity=Decimal(100 + i),
                            legal_unit="007", unit_price=Decimal("12.50"), total=Decimal(100 + i) * Decimal("12.50"),
                            currency="USD", origin_country="CHN", destination_country="USA") for i in range(ITEMS))
    return SubmitDeclaration(
        number=make_declaration_number("3104", 2026, "E", serial), direction="E", customs_code="3104",
        port_code="3104", trader=trader_code, agent=agent_code, trade_mode="0110", transport_mode="2",
        transport_name="MSC ANNA/612E", trade_country="USA", departure_country="CHN", destination_country="USA",
        terms="3", currency="USD", gross_weight=Decimal("520.5"), net_weight=Decimal("480"), packages=20, items=items)


def as_json(cmd: SubmitDeclaration) -> dict[str, Any]:
    body = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in cmd.__dict__.items() if k != "items"}
    body["items"] = [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in i.__dict__.items()} for i in cmd.items]
    return {k: v for k, v in body.items() if v is not None}


def prepare(url: str, data_dir: Path) -> tuple[str, Any]:
    """Migrate, load the reference tables, register the enterprises and the declaring broker user; return its
    bearer token and the runtime."""
    from smartcustoms.bootstrap import build_runtime
    from smartcustoms.cli.main import upgrade_database
    from smartcustoms.platform.audit import Actor
    from smartcustoms.platform.identity.model import Role
    from smartcustoms.platform.identity.services import NewUser, do_create_user, issue_token
    from smartcustoms.platform.settings import Settings

    upgrade_database(url)
    runtime = build_runtime(Settings(env="dev", data_dir=data_dir, database_url=url, mqtt_url=None), mqtt=False)
    broker_id, _trader_code = seed(runtime)
    with runtime.uow(Actor.system("bench")) as uow:
        user_id = do_create_user(uow, NewUser("bench_broker", "bench", "bench-password-123",
                                              frozenset({Role.BROKER}), broker_id, None))
        uow.commit()
    with runtime.engine.begin() as conn:
        token = issue_token(conn, runtime.clock.now(), user_id, "bench", 3600)
    return token, runtime


def raw_batches(runtime: Any, trader_code: str, agent_code: str) -> list[tuple[list[Any], list[Any]]]:
    """The baseline's rows: the same header and item rows the API stores, built ahead (not timed)."""
    from smartcustoms.capabilities.enterprise.queries import find_many

    with runtime.engine.connect() as conn:  # the same parties the API resolved
        parties = find_many(conn, [trader_code, agent_code])
    at = datetime.now(UTC)
    batches = []
    for b in range(BATCHES):
        rows, items = [], []
        for i in range(BATCH):
            cmd = declaration(10_000_000 + b * BATCH + i, agent_code, trader_code)
            d = build_declaration(cmd, uuid.uuid4().hex, parties, at)
            rows.append(decl_db.header_row(d, "bench", None))
            items.extend(decl_db.item_rows(d))
        batches.append((rows, items))
    return batches


def measure(url: str, data_dir: Path, token: str, runtime: Any, trader_code: str,
            agent_code: str) -> tuple[float, float, int]:
    """Alternate one API batch and one raw batch, so both see the same machine load; return both rates."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
    server = subprocess.Popen([sys.executable, "-m", "bench.decl_server", url, str(data_dir), str(port)],
                              cwd=ROOT, env=env)
    raw = raw_batches(runtime, trader_code, agent_code)
    api_s = raw_s = 0.0
    created = 0
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}"}) as client:
            for _ in range(300):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            bodies = [json.dumps({"declarations": [as_json(declaration(b * BATCH + i + 1, agent_code, trader_code))
                                                   for i in range(BATCH)]}).encode()
                      for b in range(BATCHES + 1)]
            headers = {"Content-Type": "application/json"}
            warm = client.post("/api/v1/declarations/batch", content=bodies[0], headers=headers)
            assert warm.status_code == 200 and warm.json()["created"] == BATCH, warm.text[:500]
            for body, (rows, items) in zip(bodies[1:], raw, strict=True):
                started = time.perf_counter()
                res = client.post("/api/v1/declarations/batch", content=body, headers=headers)
                api_s += time.perf_counter() - started
                assert res.status_code == 200, res.text[:500]
                created += res.json()["created"]
                started = time.perf_counter()
                with runtime.engine.begin() as conn:
                    conn.execute(decl_db.declarations.insert(), rows)
                    conn.execute(decl_db.declaration_items.insert(), items)
                raw_s += time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert created == BATCHES * BATCH, f"only {created} created"
    return created / api_s, BATCHES * BATCH / raw_s, created


def run_one(name: str, url: str, data_dir: Path) -> None:
    token, runtime = prepare(url, data_dir)
    try:
        api_rate, raw_rate, created = measure(url, data_dir, token, runtime, TRADER["customs_code"],
                                              BROKER["customs_code"])
    finally:
        runtime.close()
    print(f"{name:10s} API batch: {api_rate:8.0f} declarations/s accepted+screened ({created} declarations × "
          f"{ITEMS} items, {BATCH} per request) · raw Core executemany: {raw_rate:8.0f} declarations/s · "
          f"ratio {api_rate / raw_rate:.2f}")


def main() -> None:
    print(f"POST /api/v1/declarations/batch, {BATCHES} requests × {BATCH} declarations × {ITEMS} items, one client; "
          "each request alternates with a raw batch of the same size")
    with tempfile.TemporaryDirectory() as tmp:
        run_one("SQLite", f"sqlite:///{tmp}/bench.db", Path(tmp) / "data")
    with scratch_postgres() as url:
        if url is not None:
            with tempfile.TemporaryDirectory() as tmp:
                run_one("PostgreSQL", url, Path(tmp) / "data")


if __name__ == "__main__":
    main()
