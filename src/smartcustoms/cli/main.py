"""`smartcustoms` — database, audit, users, demo data, the web server and the workers."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import track

from smartcustoms.bootstrap import INSTALLED, build_runtime, import_tables, load_capabilities
from smartcustoms.platform.settings import Settings

app = typer.Typer(help="SmartCustoms 智慧海关 — command line", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
users_app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data for `make run`.", no_args_is_help=True)
worker_app = typer.Typer(help="Long-running worker processes.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(demo_app, name="demo")
app.add_typer(worker_app, name="worker")
console = Console()


@app.callback()
def _root(ctx: typer.Context) -> None:
    """SmartCustoms 智慧海关 — command line"""
    # capability sub-commands may not import the composition root: they get the runtime factory here
    ctx.obj = {"build_runtime": build_runtime}

for _cap in load_capabilities(INSTALLED):
    if _cap.cli is not None:
        app.add_typer(_cap.cli, name=_cap.name)
if "transit" in INSTALLED:  # its commands build the runtime, so they live in workers/ (not in the capability)
    from smartcustoms.workers.transit_cli import app as _transit_app

    app.add_typer(_transit_app, name="transit")
if "risk" in INSTALLED:  # issue 3 names it `smartcustoms randomness verify BATCH` (also `risk randomness-verify`)
    from smartcustoms.capabilities.risk.cli import randomness_app

    app.add_typer(randomness_app, name="randomness")


def upgrade_database(url: str) -> None:
    from alembic import command

    from smartcustoms.migrations import alembic_config

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "heads")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (all capability branches)."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_database(settings.effective_database_url)
    console.print(f"[green]database at head[/green] ({settings.effective_database_url.split('@')[-1]})")


@db_app.command("revision")
def db_revision(message: str, branch: str = typer.Option(..., help="capability (branch label)")) -> None:
    """Autogenerate a migration on a capability's branch (developers)."""
    from alembic import command

    from smartcustoms.migrations import alembic_config

    import_tables()
    command.revision(alembic_config(Settings().effective_database_url), message=message, autogenerate=True,
                     head=f"{branch}@head")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 and name every edited or deleted entry."""
    from smartcustoms.platform import audit

    runtime = build_runtime(mqtt=False)
    with runtime.engine.connect() as conn:
        count, breaks = audit.verify(conn)
    runtime.close()
    if breaks:
        for b in breaks:
            console.print(f"[red]entry {b.seq}: {b.problem}[/red]")
        console.print(f"[red]audit chain BROKEN[/red] ({count} entries read, {len(breaks)} problems)")
        raise typer.Exit(1)
    console.print(f"[green]audit chain intact[/green]: {count} entries")


@users_app.command("create")
def users_create(username: str, password: str = typer.Option(..., prompt=True, hide_input=True),
                 role: list[str] = typer.Option(..., "--role"), display_name: str = "",
                 enterprise_id: str | None = None, org_unit: str | None = None) -> None:
    """Create a user (roles: enterprise_user broker risk_officer inspector image_reviewer section_chief
    monitoring_officer auditor admin)."""
    from smartcustoms.platform.audit import Actor
    from smartcustoms.platform.identity.model import Role
    from smartcustoms.platform.identity.services import NewUser, do_create_user

    runtime = build_runtime(mqtt=False)
    with runtime.uow(Actor.system("cli")) as uow:
        user_id = do_create_user(uow, NewUser(username, display_name or username, password,
                                              frozenset(Role(r) for r in role), enterprise_id, org_unit))
        uow.commit()
    runtime.close()
    console.print(f"created user {username} ({user_id})")


@users_app.command("token")
def users_token(username: str, name: str = "cli") -> None:
    """Issue an API bearer token for a user (printed once)."""
    from sqlalchemy import select

    from smartcustoms.platform.identity.services import issue_token
    from smartcustoms.platform.identity.tables import users

    runtime = build_runtime(mqtt=False)
    with runtime.engine.begin() as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.username == username)).scalar_one_or_none()
        if user_id is None:
            console.print(f"[red]no user {username}[/red]")
            raise typer.Exit(1)
        token = issue_token(conn, runtime.clock.now(), user_id, name, runtime.settings.token_ttl_s)
    runtime.close()
    print(token)


@demo_app.command("load")
def demo_load() -> None:
    """Load demo users, enterprises and declarations (idempotent)."""
    from smartcustoms.bootstrap.demo import load_demo_officers

    runtime = build_runtime(mqtt=False)
    load_demo_officers(runtime)
    for cap in track(runtime.capabilities, description="demo data"):
        if cap.demo is not None:
            cap.demo(runtime)
    runtime.close()
    console.print("[green]demo data loaded[/green] — users are listed in README.md")


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000, simulate: bool = False,
          rate: float = typer.Option(0.5, help="simulated declarations per second"), workers: int = 1) -> None:
    """Start the web app (and, with --simulate, the port simulator feeding it)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if simulate:
        import os

        os.environ["SMARTCUSTOMS_SIMULATE_RATE"] = str(rate)
    uvicorn.run("smartcustoms.web.app:create_app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="info")


@worker_app.command("relay")
def worker_relay(interval: float = 0.5) -> None:
    """Deliver outbox events (in-process handlers and the MQTT bridge) until stopped."""
    import threading

    from smartcustoms.workers.relay import run_relay

    runtime = build_runtime()
    console.print("outbox relay running; Ctrl-C to stop")
    try:
        run_relay(runtime, interval, threading.Event())
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()


@worker_app.command("risk-batches")
def worker_risk_batches(interval: float = 5.0, once: bool = False) -> None:
    """Close every site's screening batch that is due (SMARTCUSTOMS_RISK_BATCH_SIZE declarations queued or the
    oldest SMARTCUSTOMS_RISK_BATCH_SECONDS old); the operators then enter the dice on the risk console."""
    import time

    from smartcustoms.capabilities.risk.batching import BatchConfig, close_due

    runtime = build_runtime()
    config = BatchConfig.from_env()
    try:
        while True:
            for result in close_due(runtime, config):
                console.print(f"batch {result['batch_id']} frozen: {result['declarations']} declarations, "
                              f"root {result['batch_root'][:16]}…")
            if once:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()


def main() -> None:  # pragma: no cover
    sys.exit(app())
