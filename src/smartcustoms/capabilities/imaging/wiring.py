"""Registers the imaging capability with the composition root."""

from __future__ import annotations

from pathlib import Path

from smartcustoms.capabilities.imaging.api import router
from smartcustoms.capabilities.imaging.cli import app as cli_app
from smartcustoms.capabilities.imaging.messages import MESSAGES
from smartcustoms.capabilities.imaging.pages import router as pages_router
from smartcustoms.capabilities.imaging.ports import ANALYSER, AnalyserHolder, model_root
from smartcustoms.capabilities.imaging.simulator import load_demo
from smartcustoms.platform.capability import Capability

capability = Capability(
    name="imaging",
    depends_on=("enterprise", "declarations"),
    messages=MESSAGES,
    api_routers=[router],
    page_routers=[pages_router],
    templates=Path(__file__).resolve().parent / "templates",
    provides=lambda runtime: {ANALYSER: AnalyserHolder(model_root(runtime.settings.data_dir))},
    cli=cli_app,
    demo=load_demo,
    nav=[("/imaging/review", "集中审图", "Image review"), ("/imaging/filings", "产品备案", "Product filings")],
)
