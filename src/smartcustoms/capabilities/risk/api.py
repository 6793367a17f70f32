"""HTTP API of the risk capability under /api/v1/risk: screening batches and their randomness record (auditors
download it), and versioned rules with dry run. Risk officers (and administrators) act; auditors and section
chiefs read; enterprise users get 403 everywhere."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from smartcustoms.capabilities.risk import batching, db, manifests, rule_services, services
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
from smartcustoms.capabilities.risk.domain.dispatch import DispatchPolicy, Officer
from smartcustoms.capabilities.risk.domain.selection import REGIMES, Candidate, SelectionPolicy
from smartcustoms.capabilities.risk.randomness import score_str
from smartcustoms.kernel.errors import FieldError, ValidationFailed
from smartcustoms.platform.http import get_runtime, require
from smartcustoms.platform.identity.model import Principal, Role

router = APIRouter(prefix="/risk", tags=["risk"])
OPERATE = require(Role.RISK_OFFICER, Role.ADMIN)
READ = require(Role.RISK_OFFICER, Role.AUDITOR, Role.SECTION_CHIEF, Role.ADMIN)
REPORT = require(Role.INSPECTOR)


class OpenIn(BaseModel):
    customs_code: str = Field(min_length=1, max_length=16)
    site: str = Field(min_length=1, max_length=32)
    batch_id: str | None = Field(default=None, max_length=64)


class CandidateIn(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    enterprise: str = Field(min_length=1, max_length=64)
    grade: str = "general"
    score: float = Field(ge=0, le=1)
    site: str = Field(min_length=1, max_length=32)
    stratum: str = Field(default="", max_length=32)
    forced_channel: str = ""
    rules: list[str] = []
    containerised: bool = True
    qualification: str = Field(default="", max_length=32)


class OfficerIn(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    site: str = Field(min_length=1, max_length=32)
    roles: list[str] = ["inspector"]
    qualifications: list[str] = []
    load: int = Field(default=0, ge=0)
    recent_enterprises: list[str] = []
    on_duty: bool = True


class SelectionIn(BaseModel):
    capacity: int = Field(ge=0)
    regime: str = "2018"
    random_rate: str = "0.01"
    stratum_min_rates: dict[str, str] = {}
    multipliers: dict[str, str] | None = None
    dishonest_floor: str | None = None
    scanner_sites: list[str] = []


class DispatchIn(BaseModel):
    workload_cap: int = Field(default=8, ge=1)
    conflict_days: int = Field(default=30, ge=0)
    p_recheck: str = "0.015"
    p_chief: str = "0.01"


class FreezeIn(BaseModel):
    candidates: list[CandidateIn]
    roster: list[OfficerIn]
    selection: SelectionIn
    dispatch: DispatchIn = DispatchIn()


class DiceIn(BaseModel):
    parties: dict[str, str] = Field(description="party name → the digits it rolled")


class BeaconIn(BaseModel):
    source: str = Field(min_length=1, max_length=64)
    round: str = Field(min_length=1, max_length=64)
    output_hex: str = Field(min_length=64, max_length=256)


class CommitmentIn(BaseModel):
    commitment: str = Field(min_length=64, max_length=64, description="SHA-256 (hex) of your secret")


class SecretsIn(BaseModel):
    secrets: dict[str, str] = Field(description="party (username) → the secret it committed to, hex")


class ReportIn(BaseModel):
    task_id: str = Field(min_length=1, max_length=64)


def _selection(body: SelectionIn) -> SelectionPolicy:
    if body.regime not in REGIMES:
        raise ValidationFailed([FieldError("selection.regime", "field.invalid")])
    regime = REGIMES[body.regime]
    return SelectionPolicy(capacity=body.capacity, random_rate=body.random_rate,
                           stratum_min_rates=body.stratum_min_rates, regime=body.regime,
                           multipliers=body.multipliers or dict(regime.multipliers),
                           dishonest_floor=body.dishonest_floor or regime.dishonest_floor,
                           scanner_sites=tuple(body.scanner_sites))


@router.post("/batches", status_code=201)
def open_batch(request: Request, body: OpenIn, who: Principal = OPERATE) -> dict[str, Any]:
    return services.do_open_batch(get_runtime(request), who, OpenBatch(body.customs_code, body.site, body.batch_id))


@router.post("/batches/{batch_id}/freeze")
def freeze_batch(request: Request, batch_id: str, body: FreezeIn, who: Principal = OPERATE) -> dict[str, Any]:
    cmd = FreezeBatch(
        batch_id,
        tuple(Candidate(c.id, c.enterprise, c.grade, score_str(c.score), c.site, c.stratum, c.forced_channel,
                        tuple(c.rules), c.containerised, c.qualification) for c in body.candidates),
        tuple(Officer(o.id, o.site, frozenset(o.roles), frozenset(o.qualifications), o.load,
                      frozenset(o.recent_enterprises), o.on_duty) for o in body.roster),
        _selection(body.selection),
        DispatchPolicy(body.dispatch.workload_cap, body.dispatch.conflict_days, body.dispatch.p_recheck,
                       body.dispatch.p_chief))
    return services.do_freeze_batch(get_runtime(request), who, cmd)


@router.post("/batches/{batch_id}/dice")
def enter_dice(request: Request, batch_id: str, body: DiceIn, who: Principal = OPERATE) -> dict[str, Any]:
    return services.do_enter_entropy(get_runtime(request), who, EnterDice(batch_id, tuple(body.parties.items())))


@router.post("/batches/{batch_id}/beacon")
def enter_beacon(request: Request, batch_id: str, body: BeaconIn, who: Principal = OPERATE) -> dict[str, Any]:
    return services.do_enter_entropy(get_runtime(request), who,
                                     EnterBeacon(batch_id, body.source, body.round, body.output_hex))


@router.post("/batches/{batch_id}/party-commitments", status_code=201)
def commit_party(request: Request, batch_id: str, body: CommitmentIn,
                 who: Principal = require(*services.PARTIES)) -> dict[str, Any]:
    """Before the freeze: the caller commits, as a party, to a secret of at least 16 random bytes."""
    return services.do_commit_party(get_runtime(request), who, CommitParty(batch_id, body.commitment))


@router.post("/batches/{batch_id}/secrets")
def enter_secrets(request: Request, batch_id: str, body: SecretsIn, who: Principal = OPERATE) -> dict[str, Any]:
    """After the freeze: every committed party's secret; the draws are made at once."""
    return services.do_enter_entropy(get_runtime(request), who,
                                     EnterSecrets(batch_id, tuple(sorted(body.secrets.items()))))


@router.post("/batches/{batch_id}/reports")
def submit_report(request: Request, batch_id: str, body: ReportIn, who: Principal = REPORT) -> dict[str, Any]:
    """The inspector drawn for the task submits; the re-inspection and chief draws come back at once."""
    outcome = services.do_submit_report(get_runtime(request), who, SubmitReport(batch_id, body.task_id, who.user_id))
    return outcome.as_dict()


@router.post("/batches/{batch_id}/reveal")
def reveal(request: Request, batch_id: str, who: Principal = OPERATE) -> dict[str, Any]:
    return services.do_reveal(get_runtime(request), who, RevealBatch(batch_id))


@router.get("/batches/{batch_id}/record")
def batch_record(request: Request, batch_id: str, who: Principal = READ) -> dict[str, Any]:
    """The randomness record as published for auditors (verify it with tools/verify_randomness.py)."""
    return services.access_record(get_runtime(request), who, batch_id)


@router.get("/batches/{batch_id}/decisions")
def batch_decisions(request: Request, batch_id: str, who: Principal = READ) -> list[dict[str, Any]]:
    runtime = get_runtime(request)
    with runtime.engine.connect() as conn:
        services.access_batch(conn, who, batch_id)
        return db.load_decisions(conn, batch_id)


# --- rules ------------------------------------------------------------------------------------------------------
class RuleIn(BaseModel):
    definition: dict[str, Any]


class DryRunIn(BaseModel):
    declarations: list[dict[str, Any]] = Field(max_length=50_000)
    on: date
    rules: list[dict[str, Any]] = []
    rule_ids: list[str] = []
    history: list[dict[str, Any]] = []
    watch_lists: dict[str, list[str]] = {}


@router.get("/rules")
def list_rules(request: Request, who: Principal = READ) -> list[dict[str, Any]]:
    return rule_services.access_rules(get_runtime(request), who)


@router.get("/rules/stats")
def rule_stats(request: Request, since: datetime, who: Principal = READ) -> list[dict[str, Any]]:
    """Hit statistics per rule over the batches frozen since `since` (ISO 8601 with a time zone)."""
    if since.tzinfo is None:
        raise ValidationFailed([FieldError("since", "field.invalid")])
    return rule_services.access_hit_stats(get_runtime(request), who, since)


@router.get("/rules/{rule_id}")
def rule_versions(request: Request, rule_id: str, who: Principal = READ) -> list[dict[str, Any]]:
    return rule_services.access_rules(get_runtime(request), who, rule_id)


@router.post("/rules", status_code=201)
def create_rule(request: Request, body: RuleIn, who: Principal = OPERATE) -> dict[str, Any]:
    return rule_services.do_create_rule_version(get_runtime(request), who, body.definition)


@router.post("/rules/{rule_id}/versions/{version}/activate")
def activate_rule(request: Request, rule_id: str, version: int, who: Principal = OPERATE) -> dict[str, Any]:
    return rule_services.do_activate_rule(get_runtime(request), who, rule_id, version)


@router.post("/rules/{rule_id}/versions/{version}/retire")
def retire_rule(request: Request, rule_id: str, version: int, who: Principal = OPERATE) -> dict[str, Any]:
    return rule_services.do_retire_rule(get_runtime(request), who, rule_id, version)


@router.post("/rules/dry-run")
def dry_run(request: Request, body: DryRunIn, who: Principal = OPERATE) -> dict[str, Any]:
    return rule_services.run_dry_run(get_runtime(request), who, body.declarations, body.on, body.rules,
                                     body.rule_ids, body.history, body.watch_lists)


# --- watch lists -------------------------------------------------------------------------------------------------
class WatchEntryIn(BaseModel):
    value: str = Field(min_length=1, max_length=128)
    note: str = Field(min_length=1, max_length=2000, description="why it is on the list (shown to reviewers)")


@router.get("/watch-lists")
def list_watch_lists(request: Request, who: Principal = READ) -> dict[str, list[dict[str, Any]]]:
    return rule_services.access_watch_lists(get_runtime(request), who)


@router.post("/watch-lists/{list_name}/entries", status_code=201)
def add_watch_entry(request: Request, list_name: str, body: WatchEntryIn, who: Principal = OPERATE) -> dict[str, Any]:
    return rule_services.do_add_watch_entry(get_runtime(request), who, list_name, body.value, body.note)


@router.delete("/watch-lists/{list_name}/entries/{value}", status_code=204)
def remove_watch_entry(request: Request, list_name: str, value: str, who: Principal = OPERATE) -> None:
    rule_services.do_remove_watch_entry(get_runtime(request), who, list_name, value)


# --- live screening: queue, batch closing, roster, manifest locks ----------------------------------------------
class DutyIn(BaseModel):
    on_duty: bool


class LockIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/queue")
def queue(request: Request, who: Principal = require(*batching.VIEWERS)) -> list[dict[str, Any]]:
    """Declarations waiting for their batch, per site."""
    return batching.access_queue(get_runtime(request), who)


@router.get("/batches")
def list_batches(request: Request, who: Principal = READ) -> list[dict[str, Any]]:
    return batching.access_batches(get_runtime(request), who)


@router.post("/sites/{site}/close")
def close_batch(request: Request, site: str, who: Principal = OPERATE) -> dict[str, Any]:
    """Freeze the site's queued declarations now (the operators then enter the dice)."""
    result = batching.do_close_now(get_runtime(request), who, site)
    return result or {"site": site, "declarations": 0}


@router.get("/roster/{site}")
def site_roster(request: Request, site: str, who: Principal = require(*batching.VIEWERS)) -> list[dict[str, Any]]:
    return batching.access_roster(get_runtime(request), who, site)


@router.post("/roster/{site}/{user_id}")
def set_duty(request: Request, site: str, user_id: str, body: DutyIn,
             who: Principal = require(*batching.DUTY_EDITORS)) -> dict[str, Any]:
    return batching.do_set_duty(get_runtime(request), who, site, user_id, body.on_duty)


@router.get("/manifest-locks")
def manifest_locks(request: Request, history: bool = False,
                   who: Principal = require(*manifests.READERS)) -> list[dict[str, Any]]:
    return manifests.access_locks(get_runtime(request), who, history=history)


@router.post("/manifests/{number}/lock", status_code=201)
def lock_manifest(request: Request, number: str, body: LockIn,
                  who: Principal = require(*manifests.LOCKERS)) -> dict[str, Any]:
    return manifests.do_lock_manifest(get_runtime(request), who, number, body.reason)


@router.post("/manifests/{number}/unlock")
def unlock_manifest(request: Request, number: str, body: LockIn,
                    who: Principal = require(*manifests.LOCKERS)) -> dict[str, Any]:
    return manifests.do_unlock_manifest(get_runtime(request), who, number, body.reason)
