"""`smartcustoms reference …` — load the reference tables with a progress bar."""

from __future__ import annotations

from dataclasses import dataclass

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from smartcustoms.capabilities.reference import services
from smartcustoms.kernel.timeutil import SystemClock
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.db import make_engine
from smartcustoms.platform.settings import Settings
from smartcustoms.platform.uow import UnitOfWork

app = typer.Typer(help="Reference data (参数代码表): countries, currencies, units, trade and transport modes, "
                       "customs offices, HS nomenclature.", no_args_is_help=True)
console = Console()


@dataclass
class _Source:
    """Opens units of work like the runtime does, without building the whole runtime."""

    settings: Settings

    def __post_init__(self) -> None:
        self.engine = make_engine(self.settings.effective_database_url, pool_size=1)
        self.clock = SystemClock()

    def uow(self, actor: Actor) -> UnitOfWork:
        return UnitOfWork(self.engine, self.clock, actor)


@app.command("load")
def load() -> None:
    """Load (or refresh) every reference table and the customs organisation tree. Idempotent."""
    settings = Settings()
    source = _Source(settings)
    tasks: dict[str, TaskID] = {}
    try:
        with Progress(console=console) as bar:
            def progress(step: str, advance: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = bar.add_task(step, total=total)
                bar.advance(tasks[step], advance)

            report = services.do_load(source, services.hs_dir_of(settings.shared_dir),
                                      actor=Actor.system("cli"), progress=progress)
    finally:
        source.engine.dispose()
    for name, change in report.tables.items():
        console.print(f"{name:16} inserted {change.inserted:5}  updated {change.updated:5}  "
                      f"unchanged {change.unchanged:5}")
    console.print("[green]reference data loaded[/green]" if report.changed else "reference data already current")
