"""What a capability hands to the composition root. Each capability's `wiring.py` builds one of these."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from smartcustoms.platform.outbox import Message
    from smartcustoms.platform.runtime import Runtime


@dataclass
class Capability:
    name: str
    depends_on: tuple[str, ...] = ()
    """Other capabilities whose `commands`, `events` or `queries` this one may import."""
    messages: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    api_routers: list[APIRouter] = field(default_factory=list)
    """Mounted under /api/v1."""
    page_routers: list[APIRouter] = field(default_factory=list)
    templates: Path | None = None
    handlers: Callable[[Runtime], Mapping[str, list[Callable[[Message], Any]]]] | None = None
    """Event handlers, built once the runtime exists: topic → handlers."""
    provides: Callable[[Runtime], Mapping[str, Any]] | None = None
    """Implementations of ports other capabilities use (e.g. ``declarations.screener``)."""
    cli: typer.Typer | None = None
    demo: Callable[[Runtime], None] | None = None
    simulator: Callable[[Runtime, float], Callable[[], None]] | None = None
    """Given the runtime and a rate (per second), returns one simulator tick."""
    nav: list[tuple[str, str, str]] = field(default_factory=list)
    """Page links for the top navigation: (path, zh-CN label, en label)."""
