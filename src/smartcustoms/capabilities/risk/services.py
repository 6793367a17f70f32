"""Command handlers of the randomness protocol: open (commit) → freeze → entropy (draw) → reports → reveal.

Every step is one unit of work with an audit entry; the commit, the batch root, the entropy and the revealed
seed are written into the hash-chained audit log as they happen, so `verify_batch` can prove the stored batch
was not edited afterwards (the audit log is the "sealed disc")."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from smartcustoms.capabilities.risk import db, scoring
from smartcustoms.capabilities.risk.commands import (
    CommitParty,
    EnterBeacon,
    EnterDice,
    EnterSecrets,
    FreezeBatch,
    OpenBatch,
    RevealBatch,
    SubmitReport,
)
from smartcustoms.capabilities.risk.domain import batch as B
from smartcustoms.capabilities.risk.domain.dispatch import RecheckOutcome
from smartcustoms.capabilities.risk.domain.selection import Channel, Grade, is_rate
from smartcustoms.capabilities.risk.events import BatchDrawn, BatchRevealed, DeclarationDecided, RecheckDrawn
from smartcustoms.capabilities.risk.randomness import (
    PROTOCOL,
    BeaconEntropy,
    DiceEntropy,
    EntropySource,
    MultiPartyEntropy,
    VerifiableDraws,
    check_dice,
    check_multiparty,
    commitment,
    derive_seed,
    merkle_root,
    stored_draws,
)
from smartcustoms.kernel.errors import (
    Conflict,
    FieldError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    collect,
)
from smartcustoms.platform.audit import trail
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime
from smartcustoms.platform.uow import UnitOfWork

SUBJECT = "risk_batch"
OPERATORS = (Role.RISK_OFFICER, Role.ADMIN)
READERS = (Role.RISK_OFFICER, Role.AUDITOR, Role.SECTION_CHIEF, Role.ADMIN)


# --- access ----------------------------------------------------------------------------------------------------
def access_batch(conn: Connection, who: Principal, batch_id: str, *roles: Role,
                 for_update: bool = False) -> dict[str, Any]:
    """Load a batch the caller may see: customs roles only, within the caller's customs scope (404 outside it,
    so existence does not leak)."""
    if not who.is_customs or not who.has(*(roles or READERS)):
        raise PermissionDenied("error.forbidden")
    row = db.load_batch(conn, batch_id, for_update=for_update)
    if row is None or not who.covers_customs(row["customs_code"]):
        raise NotFound("risk.batch.not_found")
    return row


def _require(who: Principal, *roles: Role) -> None:
    if not who.has(*roles):
        raise PermissionDenied("error.forbidden")


def _expect(row: dict[str, Any], status: str) -> None:
    if row["status"] != status:
        raise IllegalTransition("risk.batch.wrong_state", status=row["status"], expected=status)


# --- commit ----------------------------------------------------------------------------------------------------
def do_open_batch(runtime: Runtime, who: Principal, cmd: OpenBatch) -> dict[str, Any]:
    _require(who, *OPERATORS)
    errors = []
    if not cmd.customs_code.strip():
        errors.append(FieldError("customs_code", "field.required"))
    elif not who.covers_customs(cmd.customs_code):
        errors.append(FieldError("customs_code", "risk.batch.outside_scope"))
    if not cmd.site.strip():
        errors.append(FieldError("site", "field.required"))
    collect(errors)
    with runtime.uow(actor_of(who)) as uow:
        result = open_in(uow, who, cmd)
        uow.commit()
    return result


def open_in(uow: UnitOfWork, who: Principal, cmd: OpenBatch) -> dict[str, Any]:
    """Commit a new server seed for a batch, inside the caller's unit of work."""
    batch_id = cmd.batch_id or f"B-{uuid.uuid4().hex[:16]}"
    server_seed = secrets.token_bytes(32)
    if db.load_batch(uow.conn, batch_id) is not None:
        raise Conflict("risk.batch.exists", batch_id=batch_id)
    values = {"id": batch_id, "customs_code": cmd.customs_code, "site": cmd.site, "status": "committed",
              "commit": commitment(server_seed), "server_seed": server_seed.hex(), "created_by": who.user_id,
              "committed_at": uow.now}
    db.insert_batch(uow.conn, values)
    uow.record("risk.batch_committed", SUBJECT, batch_id, after={"commit": values["commit"], "site": cmd.site})
    return {"batch_id": batch_id, "commit": values["commit"], "status": "committed"}


# --- multi-party entropy: commitments before the freeze ------------------------------------------------------
PARTIES = (Role.RISK_OFFICER, Role.SECTION_CHIEF, Role.INSPECTOR, Role.MONITORING_OFFICER, Role.ADMIN)


def do_commit_party(runtime: Runtime, who: Principal, cmd: CommitParty) -> dict[str, Any]:
    """The calling user commits, as a party named by its username, to a secret it reveals after the freeze."""
    commit = cmd.commitment.lower()
    if len(commit) != 64 or any(ch not in "0123456789abcdef" for ch in commit):
        raise ValidationFailed([FieldError("commitment", "risk.entropy.commitment_hex")])
    with runtime.uow(actor_of(who)) as uow:
        row = access_batch(uow.conn, who, cmd.batch_id, *PARTIES, for_update=True)
        _expect(row, "committed")
        parties = list(row["party_commitments"] or [])
        if any(p["party"] == who.username for p in parties):
            raise Conflict("risk.entropy.party_exists")
        entry = {"party": who.username, "commitment": commit, "at": uow.now.isoformat()}
        db.update_batch(uow.conn, cmd.batch_id, party_commitments=[*parties, entry])
        uow.record("risk.party_committed", SUBJECT, cmd.batch_id, after=entry)
        uow.commit()
    return entry


# --- freeze ----------------------------------------------------------------------------------------------------
def check_freeze(cmd: FreezeBatch) -> None:
    errors = [FieldError("selection", f"risk.policy.{p}") for p in cmd.selection.problems()]
    ids = [c.id for c in cmd.candidates]
    if len(set(ids)) != len(ids):
        errors.append(FieldError("candidates", "risk.batch.duplicate_declaration"))
    officers = [o.id for o in cmd.roster]
    if len(set(officers)) != len(officers):
        errors.append(FieldError("roster", "risk.batch.duplicate_officer"))
    grades = {g.value for g in Grade}
    channels = {c.value for c in Channel} | {""}
    for i, c in enumerate(cmd.candidates):
        if c.grade not in grades:
            errors.append(FieldError(f"candidates.{i}.grade", "field.invalid"))
        if c.forced_channel not in channels:
            errors.append(FieldError(f"candidates.{i}.forced_channel", "field.invalid"))
        if not c.id or len(c.id) > 64:
            errors.append(FieldError(f"candidates.{i}.id", "field.invalid"))
        if len(c.score) != 8 or not c.score.replace(".", "", 1).isdigit() or not 0 <= float(c.score) <= 1:
            errors.append(FieldError(f"candidates.{i}.score", "risk.batch.bad_score"))
    for name in ("p_recheck", "p_chief"):
        if not is_rate(getattr(cmd.dispatch, name)):
            errors.append(FieldError(f"dispatch.{name}", "risk.policy.rate_invalid"))
    if cmd.dispatch.workload_cap < 1:
        errors.append(FieldError("dispatch.workload_cap", "field.invalid"))
    collect(errors)


def do_freeze_batch(runtime: Runtime, who: Principal, cmd: FreezeBatch) -> dict[str, Any]:
    """Freeze the population, the roster and the policy; publish the batch root."""
    check_freeze(cmd)
    with runtime.uow(actor_of(who)) as uow:
        result = freeze_in(uow, who, cmd)
        uow.commit()
    return result


def freeze_in(uow: UnitOfWork, who: Principal, cmd: FreezeBatch) -> dict[str, Any]:
    """The freeze inside the caller's unit of work (`check_freeze` done by the caller)."""
    row = access_batch(uow.conn, who, cmd.batch_id, *OPERATORS, for_update=True)
    _expect(row, "committed")
    collect([FieldError(f"candidates.{i}.site", "risk.batch.other_site", {"site": row["site"]})
             for i, c in enumerate(cmd.candidates) if c.site != row["site"]])
    # conflict exclusion: add the enterprises each officer was drawn for within the last N days
    since = uow.now - timedelta(days=cmd.dispatch.conflict_days)
    history = db.recent_enterprises(uow.conn, [o.id for o in cmd.roster], since)
    roster = [replace(o, recent_enterprises=o.recent_enterprises | frozenset(history.get(o.id, ())))
              for o in cmd.roster]
    leaves = B.leaves(cmd.candidates, roster, cmd.selection, cmd.dispatch)
    root = merkle_root(leaves)
    db.save_leaves(uow.conn, cmd.batch_id, leaves)
    db.update_batch(uow.conn, cmd.batch_id, status="frozen", batch_root=root, frozen_at=uow.now)
    uow.record("risk.batch_frozen", SUBJECT, cmd.batch_id, before={"status": "committed"},
               after={"status": "frozen", "batch_root": root, "declarations": len(cmd.candidates),
                      "officers": len(cmd.roster)})
    return {"batch_id": cmd.batch_id, "batch_root": root, "status": "frozen"}


# --- entropy and the draws -------------------------------------------------------------------------------------
def entropy_of(cmd: EnterDice | EnterBeacon | EnterSecrets, committed: list[dict[str, Any]] | None = None
               ) -> EntropySource:
    if isinstance(cmd, EnterDice):
        problems = check_dice(cmd.parties)
        collect([FieldError("parties", f"risk.entropy.{p}") for p in problems])
        return DiceEntropy(cmd.parties)
    if isinstance(cmd, EnterSecrets):
        commitments = {p["party"]: p["commitment"] for p in committed or []}
        revealed = dict(cmd.secrets)
        errors = [FieldError(f"secrets.{p}", "risk.entropy.secret_missing") for p in commitments if p not in revealed]
        errors += [FieldError(f"secrets.{p}", "risk.entropy.not_committed") for p in revealed if p not in commitments]
        collect(errors)
        parties = tuple((p, commitments[p], secret) for p, secret in sorted(revealed.items()))
        collect([FieldError("secrets", f"risk.entropy.{p}") for p in check_multiparty(parties)])
        return MultiPartyEntropy(parties)
    errors = []
    if not cmd.source.strip():
        errors.append(FieldError("source", "field.required"))
    if not cmd.round.strip():
        errors.append(FieldError("round", "field.required"))
    try:
        if len(bytes.fromhex(cmd.output_hex)) < 32:
            errors.append(FieldError("output_hex", "risk.entropy.beacon_short"))
    except ValueError:
        errors.append(FieldError("output_hex", "risk.entropy.beacon_hex"))
    collect(errors)
    return BeaconEntropy(cmd.source, cmd.round, cmd.output_hex)


def do_enter_entropy(runtime: Runtime, who: Principal, cmd: EnterDice | EnterBeacon | EnterSecrets
                     ) -> dict[str, Any]:
    """Take the outside entropy (after the freeze), derive the seed and make every draw of the batch. A batch whose
    parties committed to secrets takes only those secrets (no dice or beacon instead)."""
    with runtime.uow(actor_of(who)) as uow:
        row = access_batch(uow.conn, who, cmd.batch_id, *OPERATORS, for_update=True)
        _expect(row, "frozen")
        if bool(row["party_commitments"]) != isinstance(cmd, EnterSecrets):
            raise IllegalTransition("risk.entropy.wrong_kind")
        source = entropy_of(cmd, row["party_commitments"])
        leaves = db.load_leaves(uow.conn, cmd.batch_id)
        frozen = B.parse(leaves)
        draws = VerifiableDraws(derive_seed(bytes.fromhex(row["server_seed"]), source.value(), row["batch_root"]))
        outcome = B.derive(frozen, draws)
        record = {**outcome.as_record(), "rechecks": []}
        by_id = {c.id: c for c in frozen.candidates}
        rows: list[dict[str, Any]] = [
            {"batch_id": cmd.batch_id, "declaration_id": d.declaration_id, "selected": d.selected,
             "enterprise": by_id[d.declaration_id].enterprise, "drawn_at": uow.now,
                 "source": d.source, "channel": d.channel.value, "inspection_method": d.inspection_method.value,
                 "unloading_method": d.unloading_method.value, "score": by_id[d.declaration_id].score,
                 "officer_id": outcome.dispatch.assignments.get(d.declaration_id),
                 "reasons": [r.as_dict() for r in d.reasons] + scoring.explain_reasons(by_id[d.declaration_id])}
            for d in outcome.selection.decisions]
        db.save_decisions(uow.conn, rows)
        db.update_batch(uow.conn, cmd.batch_id, status="drawn", entropy=source.record(), outcome=record,
                        entropy_at=uow.now)
        uow.record("risk.batch_drawn", SUBJECT, cmd.batch_id, before={"status": "frozen"},
                   after={"status": "drawn", "entropy": source.record(), "selected": len(record["selections"]),
                          "assigned": len(record["assignments"]), "unassigned": len(record["unassigned"])})
        for r in rows:
            uow.emit(DeclarationDecided(cmd.batch_id, r["declaration_id"], r["selected"], r["source"], r["channel"],
                                        r["inspection_method"], r["unloading_method"], r["officer_id"], r["score"],
                                        tuple(r["reasons"])))
        uow.emit(BatchDrawn(cmd.batch_id, row["site"], len(rows), len(record["selections"]),
                            len(record["assignments"])))
        uow.commit()
    return {"batch_id": cmd.batch_id, "status": "drawn", "selected": len(record["selections"]),
            "assigned": len(record["assignments"]), "unassigned": len(record["unassigned"]),
            "over_capacity": outcome.selection.over_capacity}


# --- reports: re-inspection and chief verification draws --------------------------------------------------------
def do_submit_report(runtime: Runtime, who: Principal, cmd: SubmitReport) -> RecheckOutcome:
    """Draw, at submission, whether a re-inspection and a section-chief verification are ordered."""
    with runtime.uow(actor_of(who)) as uow:
        row = access_batch(uow.conn, who, cmd.batch_id, Role.INSPECTOR, Role.RISK_OFFICER, Role.ADMIN,
                           for_update=True)
        _expect(row, "drawn")
        assigned = (row["outcome"] or {}).get("assignments", {})
        if cmd.task_id not in assigned:
            raise NotFound("risk.task.not_found")
        if assigned[cmd.task_id] != cmd.inspector:
            raise ValidationFailed([FieldError("inspector", "risk.task.not_assigned_officer")])
        if any(r["task_id"] == cmd.task_id for r in row["outcome"]["rechecks"]):
            raise Conflict("risk.task.report_exists")
        frozen = B.parse(db.load_leaves_for_task(uow.conn, cmd.batch_id, cmd.task_id))
        draws = stored_draws(row)
        outcome = B.recheck(frozen, cmd.task_id, cmd.inspector, draws)
        new = dict(row["outcome"])
        new["rechecks"] = [*row["outcome"]["rechecks"], outcome.as_dict()]
        db.save_recheck(uow.conn, {"batch_id": cmd.batch_id, **outcome.as_dict(), "submitted_at": uow.now})
        db.update_batch(uow.conn, cmd.batch_id, outcome=new)
        uow.record("risk.recheck_drawn", SUBJECT, cmd.batch_id, after=outcome.as_dict())
        uow.emit(RecheckDrawn(cmd.batch_id, cmd.task_id, outcome.recheck, outcome.recheck_officer, outcome.chief,
                              outcome.chief_officer, cmd.task_id))
        uow.commit()
    return outcome


# --- reveal ----------------------------------------------------------------------------------------------------
def do_reveal(runtime: Runtime, who: Principal, cmd: RevealBatch) -> dict[str, Any]:
    with runtime.uow(actor_of(who)) as uow:
        row = access_batch(uow.conn, who, cmd.batch_id, *OPERATORS, for_update=True)
        _expect(row, "drawn")
        db.update_batch(uow.conn, cmd.batch_id, status="revealed", revealed_at=uow.now)
        uow.record("risk.batch_revealed", SUBJECT, cmd.batch_id, before={"status": "drawn"},
                   after={"status": "revealed", "server_seed": row["server_seed"]})
        uow.emit(BatchRevealed(cmd.batch_id, row["server_seed"]))
        uow.commit()
    return {"batch_id": cmd.batch_id, "status": "revealed", "server_seed": row["server_seed"]}


# --- the published record and its verification ---------------------------------------------------------------
def record_of(conn: Connection, row: dict[str, Any], *, include_seed: bool | None = None) -> dict[str, Any]:
    """The randomness record as published for auditors; the server seed only once revealed."""
    show_seed = row["status"] == "revealed" if include_seed is None else include_seed

    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {"protocol": PROTOCOL, "batch_id": row["id"], "customs_code": row["customs_code"], "site": row["site"],
            "status": row["status"], "commit": row["commit"], "batch_root": row["batch_root"],
            "entropy": row["entropy"], "party_commitments": row["party_commitments"] or [],
            "server_seed": row["server_seed"] if show_seed else None,
            "timeline": {k: iso(row[k]) for k in B.TIMELINE},
            "leaves": db.load_leaves(conn, row["id"]), "outcome": row["outcome"] or {}}


def access_record(runtime: Runtime, who: Principal, batch_id: str) -> dict[str, Any]:
    with runtime.engine.connect() as conn:
        row = access_batch(conn, who, batch_id)
        return record_of(conn, row)


def verify_batch(conn: Connection, batch_id: str) -> list[str]:
    """Everything an auditor checks, plus what only the database holds: the stored root and commit against the
    audit log, and the decisions table against the outcome. Uses the stored seed, so it also runs before the
    reveal (operators); the published record is checked by `tools/verify_randomness.py`."""
    row = db.load_batch(conn, batch_id)
    if row is None:
        return [f"batch {batch_id}: not found"]
    if row["status"] not in ("drawn", "revealed"):
        return [f"batch {batch_id}: not drawn yet (status {row['status']})"]
    audit = {e["action"]: e["after"] for e in trail(conn, SUBJECT, batch_id)}
    published_commit = (audit.get("risk.batch_committed") or {}).get("commit")
    published_root = (audit.get("risk.batch_frozen") or {}).get("batch_root")
    problems = B.verify_record(record_of(conn, row, include_seed=True), expected_root=published_root,
                               expected_commit=published_commit)
    if published_commit is None or published_root is None:
        problems.append("audit: the commit or the freeze entry is missing from the audit log")
    drawn = audit.get("risk.batch_drawn") or {}
    if drawn.get("entropy") != row["entropy"]:
        problems.append("entropy: differs from the value entered at the draw (audit log)")
    if row["status"] == "revealed" and (audit.get("risk.batch_revealed") or {}).get("server_seed") != row[
            "server_seed"]:
        problems.append("server_seed: differs from the seed revealed in the audit log")
    outcome = row["outcome"] or {}
    selections, assignments = outcome.get("selections", {}), outcome.get("assignments", {})
    for d in db.load_decisions(conn, batch_id):
        ident = d["declaration_id"]
        if d["selected"] != (ident in selections) or (d["selected"] and d["source"] != selections[ident]):
            problems.append(f"decision {ident}: the stored decision differs from the drawn selection")
        if d["officer_id"] != assignments.get(ident):
            problems.append(f"decision {ident}: the stored officer differs from the drawn assignment")
    stored = {r["task_id"]: r for r in db.load_rechecks(conn, batch_id)}
    for rc in outcome.get("rechecks", []):
        s = stored.get(rc["task_id"])
        if s is None or any(s[k] != rc[k] for k in ("inspector", "recheck", "recheck_officer", "chief",
                                                     "chief_officer")):
            problems.append(f"recheck {rc['task_id']}: the stored re-inspection differs from the record")
    return problems

