"""`smartcustoms classification train | evaluate | suggest`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

cli = typer.Typer(help="HS classification model (商品归类): train, evaluate, try.", no_args_is_help=True)


def _runtime(ctx: typer.Context) -> Any:
    """The runtime, from the factory the root command puts in the context (capabilities never import bootstrap)."""
    build: Callable[..., Any] = (ctx.obj or {})["build_runtime"]
    return build(mqtt=False)


@cli.command("train")
def train_cmd(ctx: typer.Context, limit: int = typer.Option(0, help="train on a small subset (0 = everything)"),
              force: bool = typer.Option(False, help="make the new model current even if it is worse")) -> None:
    """Train a new versioned model (+ model card); it replaces the current one only if not worse."""
    from smartcustoms.capabilities.classification.services import train_and_maybe_promote

    runtime = _runtime(ctx)
    try:
        artefact, promoted, _model = train_and_maybe_promote(runtime, limit=limit or None, force=force,
                                                             echo=typer.echo)
        typer.echo(f"artefact: {artefact.path}")
        for name, m in artefact.card.get("metrics", {}).items():
            typer.echo(f"  {name:18s} " + "  ".join(f"{k}={100 * v:.1f}" for k, v in m.items() if k != "n"))
    finally:
        runtime.close()


@cli.command("evaluate")
def evaluate_cmd(ctx: typer.Context) -> None:
    """Top-1/top-3 at chapter, heading, subheading on HSCodeComp (all, ch. 84/85/90) and our Chinese check set:
    TF-IDF + linear baseline, MiniLM nearest neighbour (optional extra), ours — side by side."""
    from smartcustoms.capabilities.classification import evaluation, queries, services

    runtime = _runtime(ctx)
    try:
        shared = runtime.settings.shared_dir
        sets = services.evaluation_sets(shared)
        version, model = queries.model_for(runtime)
        typer.echo("queries: product_name + product_attributes (no e-commerce category fields); gold: first 6 digits")
        baseline = evaluation.baseline_model(shared)
        methods = {"(a) TF-IDF+linear, nomenclature": baseline.rank,
                   "(b) MiniLM-L6 NN, nomenclature": evaluation.embedding_ranker(shared),
                   f"(c) ours {version}": model.rank}
        evaluation.compare(sets, methods, echo=typer.echo)  # type: ignore[arg-type]
    finally:
        runtime.close()


@cli.command("suggest")
def suggest_cmd(ctx: typer.Context, name: str, spec: str = "", k: int = 3) -> None:
    """Print the suggestions for one goods item."""
    from smartcustoms.capabilities.classification import queries

    runtime = _runtime(ctx)
    try:
        r = queries.suggest(runtime, name, spec, k)
        typer.echo(f"needs_detail={r.needs_detail} reasons={r.reasons}")
        for s in r.suggestions:
            typer.echo(f"{s.code} {100 * s.confidence:5.1f}%  {s.description[:90]}  {s.evidence[:4]}")
    finally:
        runtime.close()
