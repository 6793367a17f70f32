"""Registers the transit capability with the composition root. The long-running device servers and the CLI
sub-commands (`smartcustoms transit jt808-server | ingest | simulate`) live in `workers/` (they build the
runtime, which a capability may not do); the `make run` simulator feeds the pipeline in-process."""

from __future__ import annotations

from pathlib import Path

from smartcustoms.capabilities.transit import live, pages
from smartcustoms.capabilities.transit.api import router
from smartcustoms.capabilities.transit.messages import MESSAGES
from smartcustoms.capabilities.transit.simulation import load_demo, make_simulator
from smartcustoms.platform.capability import Capability

capability = Capability(
    name="transit",
    depends_on=("declarations",),
    messages=MESSAGES,
    api_routers=[router],
    page_routers=[pages.router, live.router],
    templates=Path(__file__).resolve().parent / "templates",
    simulator=make_simulator,
    demo=load_demo,
    nav=[("/transit", "在途监管", "Transit monitoring")],
)
