#!/usr/bin/env python3
"""Standalone auditor's verifier for SmartCustoms "double random" records (protocol smartcustoms-double-random/1).

Uses only the Python standard library and does not import SmartCustoms: it re-implements every step from the
published description (domain/risk.md §4.2 and the docstrings of capabilities/risk), so a mistake in the
platform and a mistake here would have to agree to go unnoticed.

    python3 verify_randomness.py RECORD.json [--root HEX] [--commit HEX]

--root and --commit are the values published at freeze time and before the batch (for instance from a notice
board or the audit log); without them the record is only checked against itself. Exit 0 when every selection,
officer assignment, re-inspection and image-reviewer draw is reproduced; exit 1 naming every mismatch.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
from decimal import Decimal
from fractions import Fraction
from typing import Any

PROTOCOL = "smartcustoms-double-random/1"
TWO_256 = 1 << 256
DISHONEST = {"dishonest", "seriously_dishonest"}


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def merkle_root(items: list[dict[str, Any]]) -> str:
    leaves = sorted(items, key=lambda it: (str(it["kind"]), str(it["id"])))
    level = [hashlib.sha256(b"\x00" + canonical(it)).digest() for it in leaves]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        nxt = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0].hex()


def entropy_bytes(record: dict[str, Any]) -> bytes:
    if record.get("kind") == "dice":
        body: dict[str, Any] = {"kind": "dice", "parties": [{"party": p["party"], "digits": p["digits"]}
                                                             for p in record["parties"]]}
    elif record.get("kind") == "beacon":
        body = {"kind": "beacon", "source": record["source"], "round": record["round"],
                "output": record["output"].lower()}
    elif record.get("kind") == "multiparty":
        body = {"kind": "multiparty", "parties": [{"party": p["party"], "commitment": p["commitment"],
                                                   "secret": p["secret"].lower()}
                                                  for p in sorted(record["parties"], key=lambda p: p["party"])]}
    else:
        raise ValueError(f"unknown entropy kind {record.get('kind')!r}")
    return hashlib.sha256(canonical(body)).digest()


class Draws:
    def __init__(self, seed: bytes) -> None:
        self.seed = seed

    def h(self, purpose: str, label: str) -> int:
        return int.from_bytes(hmac.new(self.seed, f"{purpose}|{label}".encode(), hashlib.sha256).digest(), "big")

    def below(self, purpose: str, label: str, p: Fraction) -> bool:
        return self.h(purpose, label) * p.denominator < p.numerator * TWO_256

    def randbelow(self, purpose: str, label: str, n: int) -> int:
        limit = TWO_256 - TWO_256 % n
        counter = 0
        while True:
            value = self.h(purpose, f"{label}|{counter}")
            if value < limit:
                return value % n
            counter += 1


def select(decls: list[dict[str, Any]], policy: dict[str, Any], d: Draws) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for x in decls:
        if x["forced_channel"] and x["forced_channel"] != "release":
            chosen[x["id"]] = "rule"
    floor = Fraction(policy["dishonest_floor"])
    for x in decls:
        if x["id"] not in chosen and x["grade"] in DISHONEST and d.below("floor", x["id"], floor):
            chosen[x["id"]] = "credit"
    mult = {g: Fraction(v) for g, v in policy["multipliers"].items()}
    base = Fraction(policy["random_rate"])
    for x in decls:
        if x["id"] in chosen:
            continue
        stratum_rate = max(base, Fraction(policy["stratum_min_rates"].get(x["stratum"], "0")))
        p = min(Fraction(1), stratum_rate * mult.get(x["grade"], Fraction(1)))
        if d.below("random", x["id"], p):
            chosen[x["id"]] = "random"
    room = int(policy["capacity"]) - len(chosen)
    if room > 0:
        threshold = Decimal(policy["model_threshold"])
        ranked = []
        for x in decls:
            if x["id"] in chosen or Decimal(x["score"]) < threshold:
                continue
            m = mult.get(x["grade"], Fraction(1))
            if m < 1 and not d.below("thin", x["id"], m):
                continue
            ranked.append((-Decimal(x["score"]), x["id"]))
        ranked.sort()
        for _, ident in ranked[:room]:
            chosen[ident] = "model"
    return chosen


def qualified(o: dict[str, Any], task: dict[str, Any]) -> bool:
    return bool(o["on_duty"]) and "inspector" in o["roles"] and o["site"] == task["site"] and (
        not task["qualification"] or task["qualification"] in o["qualifications"])


def dispatch(tasks: list[dict[str, Any]], officers: list[dict[str, Any]], policy: dict[str, Any],
             d: Draws) -> tuple[dict[str, str], dict[str, str]]:
    loads = {o["id"]: int(o["load"]) for o in officers}
    conflicts = {o["id"]: set(o["recent_enterprises"]) for o in officers}
    assigned: dict[str, str] = {}
    unassigned: dict[str, str] = {}
    for t in sorted(tasks, key=lambda t: t["id"]):
        ok = [o for o in officers if qualified(o, t)]
        if not ok:
            unassigned[t["id"]] = "risk.dispatch.no_qualified_officer"
            continue
        free = [o for o in ok if loads[o["id"]] < int(policy["workload_cap"])]
        if not free:
            unassigned[t["id"]] = "risk.dispatch.workload_cap"
            continue
        eligible = [o for o in free if t["enterprise"] not in conflicts[o["id"]]]
        if not eligible:
            unassigned[t["id"]] = "risk.dispatch.conflict"
            continue
        o = eligible[d.randbelow("dispatch", t["id"], len(eligible))]
        assigned[t["id"]] = o["id"]
        loads[o["id"]] += 1
        conflicts[o["id"]].add(t["enterprise"])
    return assigned, unassigned


def recheck(task: dict[str, Any], inspector: str, officers: list[dict[str, Any]], policy: dict[str, Any],
            d: Draws) -> dict[str, Any]:
    out: dict[str, Any] = {"recheck": d.below("recheck", task["id"], Fraction(policy["p_recheck"])),
                           "recheck_officer": None, "chief_officer": None}
    if out["recheck"]:
        others = [o for o in officers if qualified(o, task) and o["id"] != inspector]
        if others:
            out["recheck_officer"] = others[d.randbelow("recheck-officer", task["id"], len(others))]["id"]
    out["chief"] = d.below("chief", task["id"], Fraction(policy["p_chief"]))
    if out["chief"]:
        chiefs = [o for o in officers if o["on_duty"] and "section_chief" in o["roles"]
                  and o["site"] == task["site"] and o["id"] != inspector]
        if chiefs:
            out["chief_officer"] = chiefs[d.randbelow("chief-officer", task["id"], len(chiefs))]["id"]
    return out


def check_parties(record: dict[str, Any]) -> list[str]:
    """Multi-party secrets must match the commitments published before the freeze."""
    entropy = record.get("entropy") or {}
    published = record.get("party_commitments") or []
    if not entropy:
        return []
    if entropy.get("kind") != "multiparty":
        return ["entropy: parties committed to secrets but other entropy was used"] if published else []
    problems = []
    frozen_at = record.get("timeline", {}).get("frozen_at")
    for p in published:
        if frozen_at and p.get("at", "") > frozen_at:
            problems.append(f"entropy: party {p.get('party')} committed after the freeze")
    if {(p["party"], p["commitment"]) for p in published} != {(p["party"], p["commitment"])
                                                               for p in entropy.get("parties", [])}:
        problems.append("entropy: the parties or commitments differ from those published before the freeze")
    for p in entropy.get("parties", []):
        try:
            ok = hashlib.sha256(bytes.fromhex(p["secret"])).hexdigest() == p["commitment"]
        except ValueError:
            ok = False
        if not ok:
            problems.append(f"entropy: party {p['party']}'s secret does not match its commitment")
    return problems


def verify(record: dict[str, Any], root: str | None = None, commit: str | None = None) -> tuple[list[str], int]:
    """Return (mismatches, number of outcomes re-derived)."""
    problems: list[str] = []
    if record.get("protocol") != PROTOCOL:
        problems.append(f"protocol: unknown {record.get('protocol')!r}")
    leaves = record["leaves"]
    derived_root = merkle_root(leaves)
    if derived_root != record["batch_root"]:
        problems.append("batch_root: the published population does not hash to the root (a declaration, an "
                        "officer or the policy changed after the freeze)")
    if root and root != record["batch_root"]:
        problems.append("batch_root: differs from the root published at freeze time")
    if commit and commit != record["commit"]:
        problems.append("commit: differs from the commitment published before the batch")
    times = [record.get("timeline", {}).get(k) for k in ("committed_at", "frozen_at", "entropy_at", "revealed_at")]
    present = [t for t in times if t]
    if present != sorted(present):
        problems.append("timeline: commit, freeze, entropy and reveal are out of order")
    problems += check_parties(record)
    if not record.get("server_seed"):
        return problems + ["server_seed: not revealed yet — nothing can be re-derived"], 0
    try:
        server_seed = bytes.fromhex(record["server_seed"])
    except ValueError:
        return [*problems, "server_seed: not hexadecimal"], 0
    if hashlib.sha256(server_seed).hexdigest() != record["commit"]:
        problems.append("server_seed: SHA-256 of the revealed seed is not the commitment (seed changed)")
    try:
        checked = _derive_and_compare(record, server_seed, derived_root, problems)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        problems.append(f"record: malformed, nothing could be re-derived ({exc.__class__.__name__}: {exc})")
        checked = 0
    return problems, checked


def _derive_and_compare(record: dict[str, Any], server_seed: bytes, derived_root: str, problems: list[str]) -> int:
    leaves = record["leaves"]
    d = Draws(hashlib.sha256(server_seed + entropy_bytes(record["entropy"]) + bytes.fromhex(derived_root)).digest())
    decls = sorted((x for x in leaves if x["kind"] == "declaration"), key=lambda x: x["id"])
    officers = sorted((x for x in leaves if x["kind"] == "officer"), key=lambda x: x["id"])
    policies = {x["id"]: x for x in leaves if x["kind"] == "policy"}
    selections = select(decls, policies["selection"], d)
    tasks = [x for x in decls if x["id"] in selections]
    assigned, unassigned = dispatch(tasks, officers, policies["dispatch"], d)
    outcome = record.get("outcome", {})
    checked = 0
    for name, derived, recorded in (("selection", selections, outcome.get("selections", {})),
                                    ("assignment", assigned, outcome.get("assignments", {})),
                                    ("unassigned", unassigned, outcome.get("unassigned", {}))):
        for key in sorted(set(derived) | set(recorded)):
            checked += 1
            if derived.get(key) != recorded.get(key):
                problems.append(f"{name} {key}: recorded {recorded.get(key)!r}, derived {derived.get(key)!r}")
    by_id = {x["id"]: x for x in decls}
    for rc in outcome.get("rechecks", []):
        checked += 1
        tid = rc["task_id"]
        if tid not in assigned:
            problems.append(f"recheck {tid}: not an assigned task")
            continue
        if rc["inspector"] != assigned[tid]:
            problems.append(f"recheck {tid}: the reporting inspector is not the officer drawn for the task")
        again = recheck(by_id[tid], rc["inspector"], officers, policies["dispatch"], d)
        for key in ("recheck", "recheck_officer", "chief", "chief_officer"):
            if again[key] != rc.get(key):
                problems.append(f"recheck {tid}: {key} recorded {rc.get(key)!r}, derived {again[key]!r}")
    for rv in outcome.get("reviews", []):
        checked += 1
        if rv["task_id"] not in assigned:
            problems.append(f"image review {rv['label']}: {rv['task_id']} is not an assigned task")
        pool = sorted(set(rv["candidates"]))
        derived_reviewer = pool[d.randbelow("image-reviewer", rv["label"], len(pool))]
        if derived_reviewer != rv["reviewer"]:
            problems.append(f"image review {rv['label']}: reviewer recorded {rv['reviewer']!r}, "
                            f"derived {derived_reviewer!r}")
    return checked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("record", help="the published randomness record (JSON)")
    parser.add_argument("--root", help="batch root published at freeze time")
    parser.add_argument("--commit", help="seed commitment published before the batch")
    args = parser.parse_args(argv)
    with open(args.record, encoding="utf-8") as fh:
        record = json.load(fh)
    problems, checked = verify(record, args.root, args.commit)
    for p in problems:
        print(f"MISMATCH {p}")
    if problems:
        print(f"batch {record.get('batch_id')}: {len(problems)} mismatches")
        return 1
    print(f"batch {record.get('batch_id')}: all {checked} outcomes re-derived "
          f"(selections, assignments, re-inspections); root {record['batch_root']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
