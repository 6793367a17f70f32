"""Registers the risk capability with the composition root."""

from __future__ import annotations

from smartcustoms.capabilities.risk.api import router
from smartcustoms.capabilities.risk.cli import app as cli_app
from smartcustoms.capabilities.risk.messages import MESSAGES
from smartcustoms.platform.capability import Capability

capability = Capability(
    name="risk",
    depends_on=(),
    messages=MESSAGES,
    api_routers=[router],
    cli=cli_app,
)
