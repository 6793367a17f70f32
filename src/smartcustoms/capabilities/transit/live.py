"""Alarm push (报警推送) to the monitoring centre: Server-Sent Events on ``GET /transit/alarms/stream``.

Each open monitoring page receives, as ``event: alarm``, every alarm stored after it connected and within the
officer's customs scope; the page then refreshes its feed and map at once and names the alarm in a banner. The
ingest worker stores alarms in its own process, so the stream watches the alarm table (every 0.5 s per open
page — an alarm reaches the screen within half a second of its commit, on SQLite and PostgreSQL alike) instead
of an in-process bus that the worker could not reach. A page that loses the stream reconnects by itself
(``retry``) and the 3-second refresh of the feed covers the gap.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import and_, or_, select
from starlette.concurrency import run_in_threadpool

from smartcustoms.capabilities.transit import db
from smartcustoms.capabilities.transit.queries import alarm_view
from smartcustoms.capabilities.transit.services import READERS, covers
from smartcustoms.platform.http import get_runtime, locale, require
from smartcustoms.platform.identity.model import Principal
from smartcustoms.platform.runtime import Runtime

POLL_S = 0.5
router = APIRouter(prefix="/transit", include_in_schema=False)


Cursor = tuple[datetime, str]
"""(stored_at, id) of the last alarm looked at: alarms stored in one batch share a time, so the id breaks ties."""


def stored_after(runtime: Runtime, who: Principal, cursor: Cursor) -> tuple[list[dict[str, Any]], Cursor]:
    """Alarms stored after `cursor` that the caller may see, oldest first, and the cursor to continue from."""
    at, last_id = cursor
    t = db.alarms
    query = (select(t).where(or_(t.c.stored_at > at, and_(t.c.stored_at == at, t.c.id > last_id)))
             .order_by(t.c.stored_at, t.c.id).limit(500))
    if who.customs_scope is not None:
        query = query.where(t.c.customs_code.in_(sorted(who.customs_scope)))
    with runtime.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    if rows:
        cursor = (rows[-1]["stored_at"], rows[-1]["id"])
    return [alarm_view(r) for r in rows if covers(who, r["customs_code"])], cursor


def frame(alarm: dict[str, Any], label: str) -> str:
    data = {"id": alarm["id"], "transit_id": alarm["transit_id"], "kind": alarm["kind"], "label": label,
            "severity": alarm["severity"], "raised_at": alarm["raised_at"], "device_id": alarm["device_id"]}
    return f"id: {alarm['id']}\nevent: alarm\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/alarms/stream")
async def stream(request: Request, who: Principal = require(*READERS, page=True),
                 runtime: Runtime = Depends(get_runtime)) -> StreamingResponse:
    lang = locale(request)
    opened = runtime.clock.now()

    async def events() -> AsyncIterator[str]:
        cursor: Cursor = (opened, "")
        yield "retry: 2000\n\n"
        while not await request.is_disconnected():
            alarms, cursor = await run_in_threadpool(stored_after, runtime, who, cursor)
            for alarm in alarms:
                yield frame(alarm, runtime.translator.t(f"transit.alarm.{alarm['kind']}", lang))
            await asyncio.sleep(POLL_S)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
