"""`smartcustoms imaging …` — train / evaluate / retrain the scan assistant on simulated scans, and the MQTT
ingest worker for scanner notices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

app = typer.Typer(help="Machine inspection 机检/集中审图: scan assistant training and evaluation, device ingest.",
                  no_args_is_help=True)
console = Console()


def _settings() -> Any:
    from smartcustoms.platform.settings import Settings

    return Settings()


def _progress(msg: str) -> None:
    console.print(f"[dim]{msg}[/dim]")


def _default_root() -> Path:
    from smartcustoms.capabilities.imaging.ports import model_root

    return model_root(_settings().data_dir)


def _version_in_use(root: Path) -> str | None:
    """The version in use, when this code can load it (not one trained with another feature list, nor a damaged
    artefact: whatever stops it loading means it is trained again)."""
    from smartcustoms.capabilities.imaging.ports import AnalyserHolder

    holder = AnalyserHolder(root)
    try:
        return holder.current_version() if holder.get() is not None else None
    except Exception:  # a damaged artefact is a reason to retrain, never to stop `make run`
        return None


@app.command("train")
def train(out: Path | None = typer.Option(None, help="artefact root (default <data_dir>/models/imaging)"),
          scans: int = typer.Option(400, help="training scans"), test: int = typer.Option(300),
          px_mm: float = typer.Option(10.0, help="pixel size (mm)"), seed: int = typer.Option(11),
          activate: bool = typer.Option(True, help="point `current` at the new version"),
          if_missing: bool = typer.Option(False, "--if-missing", help="do nothing when a model is already in use "
                                                                     "(make run)")) -> None:
    """Train on simulated scans, evaluate on a held-out set and save a versioned artefact with its model card."""
    from smartcustoms.capabilities.imaging.evaluation import card_for, format_report, train_and_evaluate

    root = out or _default_root()
    in_use = _version_in_use(root) if if_missing else None
    if in_use:
        console.print(f"imaging model in use: {in_use} (not retrained)")
        return
    analyser, rep, _train = train_and_evaluate(n_train=scans, n_val=max(30, scans // 4), n_test=test, seed=seed,
                                               px_mm=px_mm, progress=_progress)
    folder, version = analyser.save(root, card_for(analyser))
    print(format_report(rep))
    if activate:
        (root / "current").write_text(version, encoding="utf-8")
    console.print(f"[green]artefact saved[/green] {folder}{' (active)' if activate else ''}")


@app.command("evaluate")
def evaluate(scans: int = typer.Option(400), test: int = typer.Option(300), px_mm: float = typer.Option(10.0),
             seed: int = typer.Option(11)) -> None:
    """Train in-process and print every held-out metric next to its same-run baseline."""
    from smartcustoms.capabilities.imaging.evaluation import format_report, train_and_evaluate

    _a, rep, _t = train_and_evaluate(n_train=scans, n_val=max(30, scans // 4), n_test=test, seed=seed,
                                     px_mm=px_mm, progress=_progress)
    print(format_report(rep))


@app.command("retrain")
def retrain(scans: int = typer.Option(400), test: int = typer.Option(300), seed: int = typer.Option(23),
            force: bool = typer.Option(False, help="use the new model even if a metric got worse")) -> None:
    """Train a new version with the stored reviewer / manual-inspection labels added, evaluate it and the current
    version on the same held-out set, and make it current only if no headline metric got worse."""
    from smartcustoms.capabilities.imaging.feedback import retrain_and_compare

    settings = _settings()
    promoted, lines = retrain_and_compare(settings, n_train=scans, n_test=test, seed=seed, force=force,
                                          progress=_progress)
    for line in lines:
        print(line)
    if not promoted:
        raise typer.Exit(1)


@app.command("mqtt-ingest")
def mqtt_ingest() -> None:
    """Run the ingest worker: subscribe to scanner notices and record them until interrupted."""
    import time

    from smartcustoms.capabilities.imaging.mqtt import TOPIC, subscribe
    from smartcustoms.kernel.timeutil import SystemClock
    from smartcustoms.platform.blobs import BlobStore
    from smartcustoms.platform.bus import MessageBus
    from smartcustoms.platform.db import make_engine
    from smartcustoms.platform.i18n import Translator
    from smartcustoms.platform.mqtt import MqttConnection
    from smartcustoms.platform.runtime import Runtime

    settings = _settings()
    # a lean runtime: notices are written with their audit entries; the relay worker publishes the events
    runtime = Runtime(settings=settings, engine=make_engine(settings.effective_database_url), clock=SystemClock(),
                      blobs=BlobStore(settings.blob_dir), bus=MessageBus(), translator=Translator(), capabilities=[])
    if not runtime.settings.mqtt_url:
        console.print("[red]no MQTT URL configured (SMARTCUSTOMS_MQTT_URL)[/red]")
        raise typer.Exit(2)
    conn = MqttConnection(runtime.settings.mqtt_url, client_id="smartcustoms-imaging-ingest")
    subscribe(runtime, conn)
    console.print(f"listening on {TOPIC}")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        conn.close()
        runtime.close()
