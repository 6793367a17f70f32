"""Port ``risk.reviewer_draw`` for the imaging capability: the image reviewer of a container scan, drawn at random
(随机分派审图员) with the seed of the batch that selected its declaration, inside the caller's transaction.

The draw is recorded in the batch outcome (``reviews``: task, label, candidates, reviewer), so the published
record lets an auditor re-derive it once the seed is revealed, like the officer assignments and re-inspections.
There is no verifiable draw — and the caller falls back to its own deterministic rule — when the declaration
was not selected by a batch, or when that batch's seed is already revealed (a known seed is no longer random).
The same label drawn twice returns the first result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from smartcustoms.capabilities.risk import db
from smartcustoms.capabilities.risk.domain.dispatch import review_draw
from smartcustoms.capabilities.risk.randomness import stored_draws


class ReviewDispatch:
    def draw(self, conn: Connection, declaration_id: str, label: str, candidates: Sequence[str],
             at: datetime) -> dict[str, Any] | None:
        """{batch_id, task_id, label, candidates, reviewer, at} or None when no verifiable draw is possible."""
        if not candidates:
            return None
        decision = db.decision_of(conn, declaration_id)
        if decision is None or not decision["selected"]:
            return None
        batch = db.load_batch(conn, decision["batch_id"], for_update=True)
        if batch is None or batch["status"] != "drawn":
            return None
        outcome = dict(batch["outcome"] or {})
        reviews = list(outcome.get("reviews", []))
        for earlier in reviews:
            if earlier["label"] == label:
                return {"batch_id": batch["id"], **earlier}
        entry = {**review_draw(declaration_id, label, candidates, stored_draws(batch)).as_dict(),
                 "at": at.isoformat()}
        outcome["reviews"] = [*reviews, entry]
        db.update_batch(conn, batch["id"], outcome=outcome)
        return {"batch_id": batch["id"], **entry}
