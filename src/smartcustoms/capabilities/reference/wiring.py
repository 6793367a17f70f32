"""Registers the reference capability with the composition root."""

from __future__ import annotations

from smartcustoms.capabilities.reference.api import router
from smartcustoms.capabilities.reference.cli import app as cli_app
from smartcustoms.capabilities.reference.messages import MESSAGES
from smartcustoms.platform.capability import Capability

capability = Capability(
    name="reference",
    messages=MESSAGES,
    api_routers=[router],
    cli=cli_app,
)
