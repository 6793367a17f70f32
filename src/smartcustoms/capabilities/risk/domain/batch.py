"""A screening batch (布控批次) as the randomness protocol sees it: frozen leaves → seed → every outcome.

`derive` is the single function that turns the frozen leaves and the seed into the selections and the officer
assignments; `verify_record` re-derives a published record and names every mismatch. The standalone auditor
script `tools/verify_randomness.py` implements the same steps independently with the standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from smartcustoms.capabilities.risk.domain.dispatch import (
    DispatchPolicy,
    DispatchResult,
    Officer,
    RecheckOutcome,
    Task,
    dispatch,
    recheck_draw,
    review_draw,
)
from smartcustoms.capabilities.risk.domain.selection import Candidate, SelectionPolicy, SelectionResult, select
from smartcustoms.capabilities.risk.randomness import (
    PROTOCOL,
    VerifiableDraws,
    check_commitment,
    derive_seed,
    entropy_from_record,
    merkle_root,
    party_commitment,
)


@dataclass(frozen=True)
class Frozen:
    """The typed view of a batch's leaves."""

    candidates: tuple[Candidate, ...]
    roster: tuple[Officer, ...]
    selection: SelectionPolicy
    dispatch: DispatchPolicy


def leaves(candidates: Iterable[Candidate], roster: Iterable[Officer], selection: SelectionPolicy,
           dispatch_policy: DispatchPolicy) -> list[dict[str, Any]]:
    return ([c.to_leaf() for c in candidates] + [o.to_leaf() for o in roster]
            + [selection.to_leaf(), dispatch_policy.to_leaf()])


def parse(items: Iterable[Mapping[str, Any]]) -> Frozen:
    candidates, roster = [], []
    selection: SelectionPolicy | None = None
    dispatch_policy: DispatchPolicy | None = None
    for leaf in items:
        if leaf["kind"] == "declaration":
            candidates.append(Candidate.from_leaf(leaf))
        elif leaf["kind"] == "officer":
            roster.append(Officer.from_leaf(leaf))
        elif leaf["kind"] == "policy" and leaf["id"] == "selection":
            selection = SelectionPolicy.from_leaf(leaf)
        elif leaf["kind"] == "policy" and leaf["id"] == "dispatch":
            dispatch_policy = DispatchPolicy.from_leaf(leaf)
    if selection is None or dispatch_policy is None:
        raise ValueError("a batch needs its selection and dispatch policy leaves")
    candidates.sort(key=lambda c: c.id)
    roster.sort(key=lambda o: o.id)
    return Frozen(tuple(candidates), tuple(roster), selection, dispatch_policy)


@dataclass(frozen=True)
class Outcome:
    selection: SelectionResult
    dispatch: DispatchResult

    def as_record(self) -> dict[str, Any]:
        return {"selections": {d.declaration_id: d.source for d in self.selection.selected},
                "assignments": dict(sorted(self.dispatch.assignments.items())),
                "unassigned": dict(sorted(self.dispatch.unassigned.items()))}


def tasks_of(frozen: Frozen, selections: Mapping[str, str | None]) -> list[Task]:
    """Every selected declaration becomes one task (document reviews too: 派单 is random as well)."""
    return [Task(c.id, c.site, c.enterprise, c.qualification) for c in frozen.candidates if selections.get(c.id)]


def derive(frozen: Frozen, draws: VerifiableDraws) -> Outcome:
    result = select(frozen.candidates, frozen.selection, draws)
    chosen = {d.declaration_id: d.source for d in result.selected}
    return Outcome(result, dispatch(tasks_of(frozen, chosen), frozen.roster, frozen.dispatch, draws))


def recheck(frozen: Frozen, task_id: str, inspector: str, draws: VerifiableDraws) -> RecheckOutcome:
    cand = next((c for c in frozen.candidates if c.id == task_id), None)
    if cand is None:
        raise KeyError(task_id)
    return recheck_draw(Task(cand.id, cand.site, cand.enterprise, cand.qualification), inspector, frozen.roster,
                        frozen.dispatch, draws)


TIMELINE = ("committed_at", "frozen_at", "entropy_at", "revealed_at")


def verify_record(record: Mapping[str, Any], *, expected_root: str | None = None,
                  expected_commit: str | None = None) -> list[str]:
    """Re-derive a published record; return one line per mismatch (empty: every draw reproduced)."""
    problems: list[str] = []
    if record.get("protocol") != PROTOCOL:
        problems.append(f"protocol: unknown {record.get('protocol')!r}")
    root = merkle_root(record["leaves"])
    if root != record["batch_root"]:
        problems.append("batch_root: the frozen leaves do not hash to the recorded root (population changed)")
    if expected_root is not None and expected_root != record["batch_root"]:
        problems.append("batch_root: differs from the root published at freeze")
    if expected_commit is not None and expected_commit != record["commit"]:
        problems.append("commit: differs from the commitment published before the batch")
    times = [record.get("timeline", {}).get(k) for k in TIMELINE]
    present = [t for t in times if t]
    if present != sorted(present):
        problems.append("timeline: commit, freeze, entropy and reveal are out of order")
    problems += check_party_commitments(record)
    if not record.get("server_seed"):
        problems.append("server_seed: not revealed yet")
        return problems
    try:
        server_seed = bytes.fromhex(record["server_seed"])
    except ValueError:
        return [*problems, "server_seed: not hexadecimal"]
    if not check_commitment(server_seed, record["commit"]):
        problems.append("server_seed: does not match the commitment (seed changed)")
    try:
        problems += _rederive(record, server_seed, root)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        problems.append(f"record: malformed, nothing could be re-derived ({exc.__class__.__name__}: {exc})")
    return problems


def check_party_commitments(record: Mapping[str, Any]) -> list[str]:
    """Multi-party entropy: every secret matches the commitment published before the freeze, and the published
    commitments are exactly the entropy's parties."""
    entropy = record.get("entropy") or {}
    published = record.get("party_commitments") or []
    if not entropy:
        return []
    if entropy.get("kind") != "multiparty":
        return ["entropy: parties committed to secrets but other entropy was used"] if published else []
    problems = []
    frozen_at = (record.get("timeline") or {}).get("frozen_at")
    for p in published:
        if frozen_at and p.get("at", "") > frozen_at:
            problems.append(f"entropy: party {p.get('party')} committed after the freeze")
    pairs = {(p["party"], p["commitment"]) for p in published}
    if pairs != {(p["party"], p["commitment"]) for p in entropy.get("parties", [])}:
        problems.append("entropy: the parties or commitments differ from those published before the freeze")
    for p in entropy.get("parties", []):
        try:
            ok = party_commitment(bytes.fromhex(p["secret"])) == p["commitment"]
        except ValueError:
            ok = False
        if not ok:
            problems.append(f"entropy: party {p['party']}'s secret does not match its commitment")
    return problems


def _rederive(record: Mapping[str, Any], server_seed: bytes, root: str) -> list[str]:
    problems: list[str] = []
    entropy = entropy_from_record(record["entropy"]).value()
    draws = VerifiableDraws(derive_seed(server_seed, entropy, root))
    frozen = parse(record["leaves"])
    derived = derive(frozen, draws).as_record()
    outcome = record.get("outcome", {})
    problems += _compare("selection", derived["selections"], outcome.get("selections", {}))
    problems += _compare("assignment", derived["assignments"], outcome.get("assignments", {}))
    problems += _compare("unassigned", derived["unassigned"], outcome.get("unassigned", {}))
    for rc in outcome.get("rechecks", []):
        if rc["task_id"] not in derived["assignments"]:
            problems.append(f"recheck {rc['task_id']}: no such assigned task")
            continue
        if rc["inspector"] != derived["assignments"][rc["task_id"]]:
            problems.append(f"recheck {rc['task_id']}: inspector is not the officer drawn for the task")
        again = recheck(frozen, rc["task_id"], rc["inspector"], draws).as_dict()
        for key in ("recheck", "recheck_officer", "chief", "chief_officer"):
            if again[key] != rc.get(key):
                problems.append(f"recheck {rc['task_id']}: {key} recorded {rc.get(key)!r}, derived {again[key]!r}")
    for rv in outcome.get("reviews", []):
        if rv["task_id"] not in derived["assignments"]:
            problems.append(f"image review {rv['label']}: {rv['task_id']} is not an assigned task")
        again_review = review_draw(rv["task_id"], rv["label"], rv["candidates"], draws)
        if again_review.reviewer != rv["reviewer"]:
            problems.append(f"image review {rv['label']}: reviewer recorded {rv['reviewer']!r}, derived "
                            f"{again_review.reviewer!r}")
    return problems


def _compare(what: str, derived: Mapping[str, Any], recorded: Mapping[str, Any]) -> list[str]:
    out = []
    for key in sorted(set(derived) | set(recorded)):
        if derived.get(key) != recorded.get(key):
            out.append(f"{what} {key}: recorded {recorded.get(key)!r}, derived {derived.get(key)!r}")
    return out


def count_draws(record: Mapping[str, Any]) -> int:
    """How many recorded outcomes an auditor re-derives (selections, assignments, unassigned, rechecks, image
    reviewer draws)."""
    outcome = record.get("outcome", {})
    return (len(outcome.get("selections", {})) + len(outcome.get("assignments", {}))
            + len(outcome.get("unassigned", {})) + len(outcome.get("rechecks", []))
            + len(outcome.get("reviews", [])))

