"""Registers the enterprise capability with the composition root."""

from __future__ import annotations

from pathlib import Path

from smartcustoms.capabilities.enterprise.api import router
from smartcustoms.capabilities.enterprise.demo import load_demo
from smartcustoms.capabilities.enterprise.messages import MESSAGES
from smartcustoms.capabilities.enterprise.pages import pages
from smartcustoms.platform.capability import Capability

capability = Capability(
    name="enterprise",
    depends_on=("reference",),
    messages=MESSAGES,
    api_routers=[router],
    page_routers=[pages],
    templates=Path(__file__).resolve().parent / "templates",
    demo=load_demo,
    nav=[("/enterprises", "企业", "Enterprises")],
)
