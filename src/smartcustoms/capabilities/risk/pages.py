"""Risk officer console (风险布控控制台) — pages under /risk. Filled in below."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
