"""Registers the risk capability with the composition root."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from smartcustoms.capabilities.risk import batching, credit, demo, pages, recheck
from smartcustoms.capabilities.risk.api import router
from smartcustoms.capabilities.risk.cli import app as cli_app
from smartcustoms.capabilities.risk.manifests import ManifestGuard
from smartcustoms.capabilities.risk.messages import MESSAGES
from smartcustoms.capabilities.risk.review_dispatch import ReviewDispatch
from smartcustoms.platform.capability import Capability
from smartcustoms.platform.outbox import Message
from smartcustoms.platform.runtime import Runtime


def _provides(runtime: Runtime) -> Mapping[str, Any]:
    """Replaces declarations' default screener (risk is installed after declarations), guards release steps with
    the manifest locks, gives inspection the re-inspection draw and imaging the reviewer draw."""
    return {"declarations.screener": batching.RiskScreener(runtime), "declarations.release_guard": ManifestGuard(),
            "risk.recheck": recheck.RecheckPort(runtime), "risk.reviewer_draw": ReviewDispatch()}


def _handlers(runtime: Runtime) -> Mapping[str, list[Callable[[Message], Any]]]:
    return {
        "risk/declaration_decided": [lambda m: batching.apply_decision(runtime, m)],
        "inspection/report_submitted": [lambda m: recheck.on_report_submitted(runtime, m)],
        "inspection/finding_recorded": [lambda m: credit.record_finding(runtime, m)],
    }


capability = Capability(
    name="risk",
    depends_on=("enterprise", "declarations"),
    messages=MESSAGES,
    api_routers=[router],
    page_routers=[pages.router],
    templates=Path(__file__).resolve().parent / "templates",
    provides=_provides,
    handlers=_handlers,
    cli=cli_app,
    simulator=batching.make_simulator,
    demo=demo.load_demo,
    nav=[("/risk", "风险布控", "Risk targeting")],
)
