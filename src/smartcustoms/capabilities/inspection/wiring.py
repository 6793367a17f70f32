"""Registers the inspection capability with the composition root."""

from __future__ import annotations

from pathlib import Path

from smartcustoms.capabilities.inspection import api, pages
from smartcustoms.capabilities.inspection.handlers import make_handlers
from smartcustoms.capabilities.inspection.messages import MESSAGES
from smartcustoms.platform.capability import Capability

capability = Capability(
    name="inspection",
    depends_on=("enterprise", "declarations"),
    messages=MESSAGES,
    api_routers=[api.router],
    page_routers=[pages.router],
    templates=Path(__file__).resolve().parent / "templates",
    handlers=make_handlers,
    nav=[("/inspection", "查验", "Inspection")],
)
