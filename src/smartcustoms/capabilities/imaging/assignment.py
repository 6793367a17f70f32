"""Who reviews a new scan (审图分派): reviewers on duty, the random draw through the risk capability, the
least-loaded fallback.

Glossary: *on duty* (在岗) — asked for work within the last 30 minutes; *candidates* — reviewers on duty whose
customs scope covers the scan's site; *draw* — the risk capability's verifiable random choice (port
``risk.reviewer_draw``) with the seed of the batch that selected the scan's declaration.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from smartcustoms.capabilities.imaging import db
from smartcustoms.capabilities.imaging.domain import least_loaded
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.identity.services import principal_for_user
from smartcustoms.platform.runtime import Runtime

REVIEWER_DRAW = "risk.reviewer_draw"
DECIDERS = (Role.IMAGE_REVIEWER, Role.SECTION_CHIEF)
DUTY_WINDOW = timedelta(minutes=30)


def go_on_duty(uow: Any, who: Principal) -> None:
    """The reviewer asked for work: on duty from now (a new spell after a break longer than the duty window,
    audited, so a draw's candidate list can be checked against who was on duty)."""
    duty = db.one(uow.conn, db.imaging_duty, user_id=who.user_id)
    fresh = duty is None or duty["last_seen"] < uow.now - DUTY_WINDOW
    if duty is None:
        db.add(uow.conn, db.imaging_duty, {"user_id": who.user_id, "since": uow.now, "last_seen": uow.now})
    elif fresh:
        db.change(uow.conn, db.imaging_duty, "user_id", who.user_id, since=uow.now, last_seen=uow.now)
    else:
        db.change(uow.conn, db.imaging_duty, "user_id", who.user_id, last_seen=uow.now)
    if fresh:
        uow.record("imaging.reviewer_on_duty", "imaging_duty", who.user_id, after={"since": uow.now.isoformat()})


def _on_duty(conn: Connection, now: datetime) -> dict[str, str]:
    rows = conn.execute(select(db.imaging_duty).where(db.imaging_duty.c.last_seen >= now - DUTY_WINDOW)).mappings()
    return {str(r["user_id"]): r["since"].isoformat() for r in rows}


def may_review(conn: Connection, user_id: str, customs_code: str) -> bool:
    """Still an active image reviewer or section chief whose scope covers the scan's customs office."""
    who = principal_for_user(conn, user_id)
    return who is not None and who.has(*DECIDERS) and who.covers_customs(customs_code)


def assign_on_ingest(runtime: Runtime, conn: Connection, now: datetime, customs_code: str,
                     declaration_id: str | None, label: str) -> tuple[str | None, dict[str, Any]]:
    """(reviewer or None, how it was chosen). Candidates: reviewers on duty whose scope covers the scan. A scan of a
    declaration selected by a risk batch is drawn among them at random with that batch's seed (port
    ``risk.reviewer_draw``, re-derivable by auditors); otherwise — or without the risk capability — the least-loaded one
    (domain.least_loaded, deterministic). Nobody on duty: the scan waits in the queue."""
    eligible = {u: since for u, since in _on_duty(conn, now).items() if may_review(conn, u, customs_code)}
    if not eligible:
        return None, {"rule": "queue"}
    dispatch = runtime.ports.get(REVIEWER_DRAW)
    if dispatch is not None and declaration_id:
        drawn = dispatch.draw(conn, declaration_id, label, sorted(eligible), now)
        if drawn is not None:
            return str(drawn["reviewer"]), {"rule": "random", "batch_id": drawn["batch_id"],
                                            "label": drawn["label"], "candidates": drawn["candidates"]}
    return least_loaded(db.open_counts(conn), eligible), {"rule": "least_loaded", "candidates": sorted(eligible)}
