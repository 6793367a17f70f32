"""Registers the declarations capability with the composition root."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from smartcustoms.capabilities.declarations import api, entry, pages
from smartcustoms.capabilities.declarations.directory import QueriesDirectory
from smartcustoms.capabilities.declarations.messages import MESSAGES
from smartcustoms.capabilities.declarations.ports import DIRECTORY, LIFECYCLE, SCREENER
from smartcustoms.capabilities.declarations.screening import DefaultScreener
from smartcustoms.capabilities.declarations.services import LifecyclePort
from smartcustoms.capabilities.declarations.simulator import load_demo, make_simulator
from smartcustoms.platform.capability import Capability
from smartcustoms.platform.runtime import Runtime


def _provides(runtime: Runtime) -> Mapping[str, Any]:
    """The default screener (the risk capability, installed later, replaces it under the same port name), the
    directory of code tables and enterprises, and the lifecycle port other capabilities move declarations with."""
    return {SCREENER: DefaultScreener(), DIRECTORY: QueriesDirectory(runtime.clock), LIFECYCLE: LifecyclePort(runtime)}


capability = Capability(
    name="declarations",
    depends_on=("reference", "enterprise"),
    messages=MESSAGES,
    api_routers=[api.router],
    page_routers=[entry.router, pages.router],  # entry first: /declarations/new before /declarations/{id}
    templates=Path(__file__).resolve().parent / "templates",
    provides=_provides,
    nav=[("/declarations", "报关单", "Declarations")],
    demo=load_demo,
    simulator=make_simulator,
)
