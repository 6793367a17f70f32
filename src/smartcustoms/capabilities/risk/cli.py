"""`smartcustoms risk …` — randomness verification, the published record, model training and evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy import Engine

app = typer.Typer(help="Risk targeting 风险布控: verifiable randomness, model training and evaluation.",
                  no_args_is_help=True)
console = Console()


def _engine() -> Engine:
    """The database of the current settings (the CLI reads; every change goes through the services)."""
    from smartcustoms.platform.db import make_engine
    from smartcustoms.platform.settings import Settings

    return make_engine(Settings().effective_database_url)


randomness_app = typer.Typer(help="Verifiable randomness 双随机: re-derive a batch's draws.", no_args_is_help=True)
"""Mounted at the top level as `smartcustoms randomness` (issue 3's name for the command)."""


@randomness_app.command("verify")
@app.command("randomness-verify")
def randomness_verify(batch: str) -> None:
    """Re-derive every selection, assignment and re-inspection of BATCH; exit 1 naming any mismatch."""
    from smartcustoms.capabilities.risk import services
    from smartcustoms.capabilities.risk.domain.batch import count_draws

    engine = _engine()
    try:
        with engine.connect() as conn:
            problems = services.verify_batch(conn, batch)
            row = services.db.load_batch(conn, batch)
            record = services.record_of(conn, row, include_seed=True) if row else {}
    finally:
        engine.dispose()
    if problems:
        for p in problems:
            console.print(f"[red]MISMATCH[/red] {p}", highlight=False)
        console.print(f"[red]batch {batch}: {len(problems)} mismatches[/red]")
        raise typer.Exit(1)
    console.print(f"[green]batch {batch}: all {count_draws(record)} random outcomes reproduced[/green] "
                  f"(root {record['batch_root'][:16]}…, commit {record['commit'][:16]}…)")


@app.command("record")
def record(batch: str, out: Path | None = typer.Option(None, help="write the JSON here instead of stdout")) -> None:
    """The randomness record of BATCH as published to auditors (the seed only once revealed)."""
    from smartcustoms.capabilities.risk import services

    engine = _engine()
    try:
        with engine.connect() as conn:
            row = services.db.load_batch(conn, batch)
            if row is None:
                console.print(f"[red]no batch {batch}[/red]")
                raise typer.Exit(1)
            data = services.record_of(conn, row)
    finally:
        engine.dispose()
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    if out is None:
        print(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"record written to {out}")


@app.command("train")
def train(out: Path = typer.Option(Path("data/models/risk"), help="artefact folder (a version sub-folder is made)"),
          rows: int = typer.Option(60_000, help="synthetic declarations to generate"),
          months: int = typer.Option(12), seed: int = typer.Option(7), test_months: int = typer.Option(3)) -> None:
    """Train the risk model (illicit yes/no + revenue) on the earlier months of the synthetic trade set and save a
    versioned artefact with its model card."""
    from datetime import UTC, datetime

    from smartcustoms.capabilities.risk.evaluation import train_and_save

    path, card = train_and_save(out, rows=rows, months=months, seed=seed, test_months=test_months,
                                trained_at=datetime.now(UTC).isoformat(timespec="seconds"))
    print(card)
    console.print(f"[green]artefact saved[/green] {path}")


@app.command("evaluate")
def evaluate(rows: int = typer.Option(100_000), months: int = typer.Option(12), seed: int = typer.Option(7),
             test_months: int = typer.Option(3), random_share: float = typer.Option(0.1),
             trees: int = typer.Option(300, help="boosting rounds per model")) -> None:
    """Precision@n%, recall@n% and revenue@n% (n = 1, 2, 5, 10) on held-out later months, side by side:
    random selection, a plain gradient-boosting baseline, our model and the full policy (random share included)."""
    from smartcustoms.capabilities.risk.evaluation import format_report, run_evaluation

    report = run_evaluation(rows=rows, months=months, seed=seed, test_months=test_months,
                            random_share=random_share, n_estimators=trees,
                            progress=lambda msg: console.print(f"[dim]{msg}[/dim]"))
    print(format_report(report))
