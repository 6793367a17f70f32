"""Helpers for inspection tests: a declaration screened into inspection (HS chapter 93 fires the default rule),
the task the relay creates from it, a tiny PNG, and a report body."""

from __future__ import annotations

import base64
import struct
import uuid
import zlib
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from smartcustoms.platform.identity.model import Principal, Role
from tests.unit.declarations.factories import TRADER, line, submission


def png(width: int = 4, height: int = 4, extra: int = 0) -> bytes:
    """A valid PNG, optionally padded with an ancillary chunk of `extra` bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw))
    if extra:
        body += chunk(b"teXt", b"x" * extra)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


SIGNATURE = "data:image/png;base64," + base64.b64encode(png(20, 10)).decode()


def order_inspection(runtime: Any, serial: int = 1, items: int = 2) -> tuple[str, str]:
    """Submit a declaration that the default screener sends to inspection; relay the events; return
    (declaration_id, task_id)."""
    from smartcustoms.capabilities.declarations.services import do_submit
    from smartcustoms.capabilities.inspection.db import tasks

    who = Principal(user_id="u-trader", username="trader", display_name="trader",
                    roles=frozenset({Role.ENTERPRISE_USER}), enterprise_id=TRADER.id)
    lines = tuple(line(i + 1, hs_code="9302000000" if i == 0 else "8504401400") for i in range(items))
    d = do_submit(runtime, who, replace(submission(serial, items=items), items=lines))
    runtime.relay.drain()
    with runtime.engine.connect() as conn:
        task_id = conn.execute(select(tasks.c.id).where(tasks.c.declaration_id == d.id)).scalar_one()
    return d.id, str(task_id)


def report(*findings: dict[str, Any], key: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"idempotency_key": key or uuid.uuid4().hex, "findings": list(findings), "signature": SIGNATURE,
            **extra}


CONFORM = ({"item_seq": 1, "outcome": "conform"}, {"item_seq": 2, "outcome": "conform"})
