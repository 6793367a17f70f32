"""Registers the classification capability with the composition root."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from smartcustoms.capabilities.classification import api, pages, queries
from smartcustoms.capabilities.classification.cli import cli
from smartcustoms.capabilities.classification.messages import MESSAGES
from smartcustoms.platform.capability import Capability


def _provides(runtime: Any) -> dict[str, Any]:
    return {"classification.suggest": partial(queries.suggest, runtime),
            "classification.disagreement": partial(queries.disagreement, runtime),
            "classification.ready": partial(queries.model_ready, runtime)}


def _demo(runtime: Any) -> None:
    """`make run` → `smartcustoms demo load`: train the model once if this data directory has none."""
    from smartcustoms.capabilities.classification.artefacts import ModelStore
    from smartcustoms.capabilities.classification.services import train_and_maybe_promote

    if ModelStore(runtime.settings.data_dir).current_version() is None:
        train_and_maybe_promote(runtime)


capability = Capability(
    name="classification",
    messages=MESSAGES,
    api_routers=[api.router],
    page_routers=[pages.router],
    templates=Path(__file__).parent / "templates",
    provides=_provides,
    cli=cli,
    demo=_demo,
    nav=[("/classification", "商品归类", "Classification")],
)
