"""A small HS model trained once per test session on a subset (seconds), never the full one."""

from __future__ import annotations

from functools import cache
from typing import Any

from tests.conftest import SHARED

CORRECTION = ("防水冲锋衣 男式 涤纶 风雨衣", "620140")


@cache
def small_model() -> Any:
    from smartcustoms.ml.hs_text.training import train

    model, _card = train(SHARED, [CORRECTION], limit=2500)
    return model
