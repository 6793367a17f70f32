"""Random dispatch (随机派员) and random re-inspection (随机复查复验) with section-chief verification (科长核查).

Dispatch: tasks in id order; for each, the eligible officers are those on duty at the task's site, holding the
inspector role and the task's qualification, under the workload cap, and without a conflict with the task's
enterprise (inspected it within the last N days — carried in the frozen roster — or earlier in this batch).
One of them, in id order, is drawn with ``randbelow("dispatch", task_id, n)``. A task nobody may take is left
unassigned with a reason; a section chief then assigns it by hand (recorded, outside the random path).

Re-inspection: when an inspection report on task T is submitted, ``below("recheck", T, p_recheck)`` decides a
re-inspection by a different eligible officer (``randbelow("recheck-officer", T, n)``) and, separately,
``below("chief", T, p_chief)`` a section-chief verification (``randbelow("chief-officer", T, n)``). The draws
depend only on the seed and the task id, so the result is known at submission and nobody can shop for it.

Image review (集中审图): a container scan of a selected declaration goes to one of the image reviewers on duty
whose scope covers the scan, drawn with ``randbelow("image-reviewer", label, n)`` over their ids in order; the
label is the scanner's own ``device/scan id`` (the server does not choose it, so it cannot grind for a reviewer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from smartcustoms.capabilities.risk.randomness import VerifiableDraws, rate

INSPECTOR = "inspector"
SECTION_CHIEF = "section_chief"


@dataclass(frozen=True)
class Officer:
    """An on-duty officer as frozen in the batch roster (the ``officer`` leaf)."""

    id: str
    site: str
    roles: frozenset[str] = frozenset({INSPECTOR})
    qualifications: frozenset[str] = frozenset()
    load: int = 0  # open tasks at freeze time
    recent_enterprises: frozenset[str] = frozenset()  # enterprises inspected within the conflict window
    on_duty: bool = True

    def to_leaf(self) -> dict[str, Any]:
        return {"kind": "officer", "id": self.id, "site": self.site, "roles": sorted(self.roles),
                "qualifications": sorted(self.qualifications), "load": self.load,
                "recent_enterprises": sorted(self.recent_enterprises), "on_duty": self.on_duty}

    @classmethod
    def from_leaf(cls, leaf: Mapping[str, Any]) -> Officer:
        return cls(id=leaf["id"], site=leaf["site"], roles=frozenset(leaf["roles"]),
                   qualifications=frozenset(leaf["qualifications"]), load=int(leaf["load"]),
                   recent_enterprises=frozenset(leaf["recent_enterprises"]), on_duty=bool(leaf["on_duty"]))


@dataclass(frozen=True)
class DispatchPolicy:
    workload_cap: int = 8
    conflict_days: int = 30
    p_recheck: str = "0.015"
    p_chief: str = "0.01"

    def to_leaf(self) -> dict[str, Any]:
        return {"kind": "policy", "id": "dispatch", "workload_cap": self.workload_cap,
                "conflict_days": self.conflict_days, "p_recheck": self.p_recheck, "p_chief": self.p_chief}

    @classmethod
    def from_leaf(cls, leaf: Mapping[str, Any]) -> DispatchPolicy:
        return cls(int(leaf["workload_cap"]), int(leaf["conflict_days"]), leaf["p_recheck"], leaf["p_chief"])


@dataclass(frozen=True)
class Task:
    id: str
    site: str
    enterprise: str
    qualification: str = ""


@dataclass(frozen=True)
class DispatchResult:
    assignments: dict[str, str]  # task id → officer id
    unassigned: dict[str, str]  # task id → reason key
    loads: dict[str, int] = field(default_factory=dict)


def _qualified(o: Officer, task: Task) -> bool:
    return o.on_duty and INSPECTOR in o.roles and o.site == task.site and (
        not task.qualification or task.qualification in o.qualifications)


def dispatch(tasks: Sequence[Task], roster: Sequence[Officer], policy: DispatchPolicy,
             draws: VerifiableDraws) -> DispatchResult:
    officers = sorted(roster, key=lambda o: o.id)
    by_site: dict[str, list[Officer]] = {}
    for o in officers:
        by_site.setdefault(o.site, []).append(o)
    loads = {o.id: o.load for o in officers}
    conflicts = {o.id: set(o.recent_enterprises) for o in officers}
    assignments: dict[str, str] = {}
    unassigned: dict[str, str] = {}
    for task in sorted(tasks, key=lambda t: t.id):
        qualified = [o for o in by_site.get(task.site, []) if _qualified(o, task)]
        if not qualified:
            unassigned[task.id] = "risk.dispatch.no_qualified_officer"
            continue
        free = [o for o in qualified if loads[o.id] < policy.workload_cap]
        if not free:
            unassigned[task.id] = "risk.dispatch.workload_cap"
            continue
        eligible = [o for o in free if task.enterprise not in conflicts[o.id]]
        if not eligible:
            unassigned[task.id] = "risk.dispatch.conflict"
            continue
        officer = eligible[draws.randbelow("dispatch", task.id, len(eligible))]
        assignments[task.id] = officer.id
        loads[officer.id] += 1
        conflicts[officer.id].add(task.enterprise)
    return DispatchResult(assignments, unassigned, loads)


@dataclass(frozen=True)
class RecheckOutcome:
    task_id: str
    inspector: str
    recheck: bool
    recheck_officer: str | None
    chief: bool
    chief_officer: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"task_id": self.task_id, "inspector": self.inspector, "recheck": self.recheck,
                "recheck_officer": self.recheck_officer, "chief": self.chief, "chief_officer": self.chief_officer}


def recheck_draw(task: Task, inspector: str, roster: Sequence[Officer], policy: DispatchPolicy,
                 draws: VerifiableDraws) -> RecheckOutcome:
    """The draws made when the report on `task` is submitted by `inspector`."""
    officers = sorted(roster, key=lambda o: o.id)
    recheck = draws.below("recheck", task.id, rate(policy.p_recheck))
    recheck_officer = None
    if recheck:
        others = [o for o in officers if _qualified(o, task) and o.id != inspector]
        if others:
            recheck_officer = others[draws.randbelow("recheck-officer", task.id, len(others))].id
    chief = draws.below("chief", task.id, rate(policy.p_chief))
    chief_officer = None
    if chief:
        chiefs = [o for o in officers if o.on_duty and SECTION_CHIEF in o.roles and o.site == task.site
                  and o.id != inspector]
        if chiefs:
            chief_officer = chiefs[draws.randbelow("chief-officer", task.id, len(chiefs))].id
    return RecheckOutcome(task.id, inspector, recheck, recheck_officer, chief, chief_officer)


IMAGE_REVIEWER = "image-reviewer"


@dataclass(frozen=True)
class ReviewDraw:
    """One scan's reviewer draw as recorded in the batch outcome (``reviews``)."""

    task_id: str
    label: str
    candidates: tuple[str, ...]
    reviewer: str

    def as_dict(self) -> dict[str, Any]:
        return {"task_id": self.task_id, "label": self.label, "candidates": list(self.candidates),
                "reviewer": self.reviewer}


def review_draw(task_id: str, label: str, candidates: Sequence[str], draws: VerifiableDraws) -> ReviewDraw:
    """The image reviewer for the scan `label` of task `task_id`, drawn among `candidates` (ids, any order)."""
    ordered = tuple(sorted(set(candidates)))
    if not ordered:
        raise ValueError("no image reviewer to draw from")
    return ReviewDraw(task_id, label, ordered, ordered[draws.randbelow(IMAGE_REVIEWER, label, len(ordered))])
