"""Risk screening of live declarations: the queue, batch closing, the duty roster and applying the decisions.

1. Submission: `RiskScreener` (port ``declarations.screener``) answers *pending*; the declaration stays
   ``accepted`` and its plain dict (domain/rules.py) goes into ``risk_queue`` (one executemany per submission).
2. `do_close_batch(site)`: when N declarations are queued or the oldest waited T seconds (`BatchConfig`), the
   site's open batch (its seed committed when the previous batch closed) is frozen with the queued declarations
   — screened now by the active rules, the credit grade and the model — the on-duty roster and the policies;
   the next batch is opened (committed) in the same unit of work.
3. Entropy: operators enter dice digits on the console (default), or the simulator (``make run``) plays two
   operators — the parties are then named ``SIMULATED …`` in the record, and the audit entry says so.
4. Each drawn decision is published as ``risk/declaration_decided``; `apply_decision` (its handler) applies it
   to the declaration through the ``declarations.lifecycle`` port: screened, then released or inspection
   ordered, with the channel, methods, the drawn officer and the reasons.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select

import smartcustoms.capabilities.declarations.queries as declarations_queries
from smartcustoms.capabilities.declarations.commands import PENDING, ApplyScreening, ScreeningResult
from smartcustoms.capabilities.risk import db, manifests, rule_services, scoring, services
from smartcustoms.capabilities.risk.commands import EnterDice, FreezeBatch, OpenBatch
from smartcustoms.capabilities.risk.domain.dispatch import INSPECTOR, SECTION_CHIEF, DispatchPolicy, Officer
from smartcustoms.capabilities.risk.domain.rules import Context, UnitValueHistory
from smartcustoms.capabilities.risk.domain.selection import Grade, SelectionPolicy
from smartcustoms.capabilities.risk.screening import screen
from smartcustoms.kernel.errors import DomainError, NotFound, PermissionDenied
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.http import actor_of
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.identity.tables import org_units, users
from smartcustoms.platform.outbox import Message
from smartcustoms.platform.runtime import Runtime

log = logging.getLogger(__name__)

LIFECYCLE = "declarations.lifecycle"
SYSTEM = Principal(user_id="system:risk", username="risk-scheduler", display_name="布控批次调度 batch scheduler",
                   roles=frozenset({Role.RISK_OFFICER}), customs_scope=None)
"""The scheduler closes batches (and, in the simulator only, enters simulated dice) as this principal."""
SYSTEM_ACTOR = Actor(id=SYSTEM.user_id, name=SYSTEM.username)

GRADES = {"advanced_certified": Grade.ADVANCED_CERTIFIED.value, "general_certified": Grade.CERTIFIED.value,
          "general": Grade.GENERAL.value, "untrustworthy": Grade.DISHONEST.value}
"""Enterprise register grades (Order 237) → the selection policy's grades."""


@dataclass(frozen=True)
class BatchConfig:
    """When a site's batch closes and with which policy. Environment: SMARTCUSTOMS_RISK_BATCH_SIZE,
    SMARTCUSTOMS_RISK_BATCH_SECONDS, SMARTCUSTOMS_RISK_RANDOM_RATE, SMARTCUSTOMS_RISK_CAPACITY_SHARE,
    SMARTCUSTOMS_RISK_SCANNER_SITES (comma separated)."""

    size: int = 20
    seconds: float = 30.0
    max_declarations: int = 100_000
    capacity_share: str = "0.1"
    random_rate: str = "0.05"
    regime: str = "2018"
    model_threshold: str = "0.3"
    scanner_sites: tuple[str, ...] = ("3104",)
    dispatch: DispatchPolicy = DispatchPolicy()

    @classmethod
    def from_env(cls) -> BatchConfig:
        env = os.environ
        return cls(size=int(env.get("SMARTCUSTOMS_RISK_BATCH_SIZE", "20")),
                   seconds=float(env.get("SMARTCUSTOMS_RISK_BATCH_SECONDS", "30")),
                   random_rate=env.get("SMARTCUSTOMS_RISK_RANDOM_RATE", "0.05"),
                   capacity_share=env.get("SMARTCUSTOMS_RISK_CAPACITY_SHARE", "0.1"),
                   scanner_sites=tuple(s for s in env.get("SMARTCUSTOMS_RISK_SCANNER_SITES", "3104").split(",")
                                       if s))

    def selection(self, n: int) -> SelectionPolicy:
        capacity = max(1, math.ceil(n * float(self.capacity_share)))
        return SelectionPolicy.for_regime(self.regime, capacity, random_rate=self.random_rate,
                                          model_threshold=self.model_threshold, scanner_sites=self.scanner_sites)


# --- 1. submission: the screener answers pending and queues --------------------------------------------------
def declaration_dict(d: Any, grade: str, manifest_flags: Sequence[str]) -> dict[str, Any]:
    """A declarations `Declaration` as the plain dict the rules engine reads (JSON-safe: decimals as text)."""
    return {"id": d.id, "number": d.number, "enterprise_id": d.trader_id, "agent_id": d.agent_id,
            "owner_id": d.owner_id, "customs_code": d.customs_code, "port_code": d.port_code,
            "direction": d.direction.value, "trade_mode": d.trade_mode, "transport_mode": d.transport_mode,
            "trade_country": d.trade_country, "departure_country": d.departure_country,
            "origin": d.items[0].origin_country if d.items else d.departure_country,
            "consignee": d.trader_name, "bill_no": d.bill_no, "currency": d.currency,
            "total_value": str(d.total_value), "gross_weight": str(d.gross_weight), "packages": d.packages,
            "containerised": d.transport_mode == "2", "grade": grade, "manifest_flags": list(manifest_flags),
            "items": [{"seq": i.seq, "hs_code": i.hs_code, "name": i.name, "spec": i.spec, "origin": i.origin_country,
                       "quantity": str(i.quantity.amount), "unit": i.quantity.unit, "unit_price": str(i.unit_price),
                       "value": str(i.total), "currency": i.currency} for i in d.items]}


class RiskScreener:
    """Port ``declarations.screener``: decides nothing at submission (double random needs a frozen batch)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def screen(self, declaration: Any, enterprises: Mapping[str, Any]) -> ScreeningResult:
        return PENDING

    def defer(self, conn: Connection, declarations: Sequence[Any], enterprises: Mapping[str, Any]) -> None:
        bills = declarations_queries.bills_by_number(conn, [d.bill_no for d in declarations if d.bill_no])
        manifests = declarations_queries.manifests_of_bills(conn, bills.values())
        locked = {r["manifest_id"] for r in db.active_locks(conn, manifests.values())} if manifests else set()
        rows = []
        for d in declarations:
            trader = enterprises.get(d.trader_id)
            grade = GRADES.get(getattr(trader, "credit_grade", "general"), Grade.GENERAL.value)
            manifest = manifests.get(bills.get(d.bill_no or "", ""))
            flags = ["no_manifest"] if manifest is None else (["manifest_locked"] if manifest in locked else [])
            rows.append({"declaration_id": d.id, "site": d.customs_code, "enterprise_id": d.trader_id,
                         "body": declaration_dict(d, grade, flags), "queued_at": d.lifecycle.accepted_at})
        db.enqueue(conn, rows)


# --- 2. the roster ---------------------------------------------------------------------------------------------
def units_under(conn: Connection, site: str) -> set[str]:
    """The site's organisation unit and every unit below it."""
    children: dict[str, list[str]] = {}
    for code, parent in conn.execute(select(org_units.c.code, org_units.c.parent_code)):
        if parent:
            children.setdefault(parent, []).append(code)
    found, todo = {site}, [site]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def site_officers(conn: Connection, site: str) -> list[dict[str, Any]]:
    """Active users with the inspector or section-chief role whose organisation unit is the site or below it,
    with their duty flag (an officer without a duty entry is on duty)."""
    units = units_under(conn, site)
    off = db.duty_off(conn)
    out = []
    query = select(users.c.id, users.c.username, users.c.display_name, users.c.roles, users.c.org_unit).where(
        users.c.active.is_(True)).order_by(users.c.username)
    for r in conn.execute(query):
        roles = sorted(set(r.roles or ()) & {INSPECTOR, SECTION_CHIEF})
        if roles and r.org_unit in units:
            out.append({"id": r.id, "username": r.username, "display_name": r.display_name, "roles": roles,
                        "org_unit": r.org_unit, "on_duty": r.id not in off})
    return out


def roster(conn: Connection, site: str, now: Any) -> tuple[Officer, ...]:
    officers = [o for o in site_officers(conn, site) if o["on_duty"]]
    load = db.open_tasks(conn, [o["id"] for o in officers], now - timedelta(days=7))
    return tuple(Officer(o["id"], site, frozenset(o["roles"]), frozenset(), load.get(o["id"], 0))
                 for o in officers)


# --- 3. closing a batch ----------------------------------------------------------------------------------------
def _history(conn: Connection) -> UnitValueHistory:
    """Unit values of recent declarations' goods (the historical distribution per HS-6 and origin)."""
    recent = declarations_queries.recent(conn, 1000)
    items = declarations_queries.goods_items(conn, [d.id for d in recent])
    return UnitValueHistory.from_items({"hs_code": i["hs_code"], "origin": i["origin_country"],
                                        "quantity": i["quantity"], "value": i["total"]}
                                       for rows in items.values() for i in rows)


def do_close_batch(runtime: Runtime, who: Principal, site: str, config: BatchConfig | None = None,
                   *, simulated_entropy: bool = False) -> dict[str, Any] | None:
    """Freeze the site's queued declarations into its open batch and open the next one; None if none queued.
    With `simulated_entropy` (the port simulator only) two simulated operators' dice are entered at once."""
    config = config or BatchConfig()
    services._require(who, *services.OPERATORS)
    with runtime.uow(actor_of(who)) as uow:
        conn = uow.conn
        queued = db.take_queue(conn, site, config.max_declarations)
        if not queued:
            return None
        batch = db.open_batch_of(conn, site)
        batch_id = batch["id"] if batch else services.open_in(uow, who, OpenBatch(site, site))["batch_id"]
        bodies = hs_checked(runtime, [q["body"] for q in queued])
        screened = screen(bodies, grades={b["enterprise_id"]: b.get("grade", "general") for b in bodies},
                          rules=rule_services.active_rules(conn), on=uow.now.date(), site=site,
                          ctx=Context(_history(conn), rule_services.stored_watch_lists(conn)),
                          scorer=scoring.scorer_for(runtime.settings.data_dir))
        cmd = FreezeBatch(batch_id, tuple(s.candidate for s in screened), roster(conn, site, uow.now),
                          config.selection(len(bodies)), config.dispatch)
        services.check_freeze(cmd)
        frozen = services.freeze_in(uow, who, cmd)
        db.remove_from_queue(conn, [q["declaration_id"] for q in queued])
        services.open_in(uow, who, OpenBatch(site, site))  # the next batch's seed is committed before it fills
        locks = _manifest_rule_locks(conn, screened, bodies)
        for manifest_id, rule_id, reason in locks:
            manifests.lock_in(uow, who, manifest_id, reason, rule_id=rule_id)
        uow.commit()
    result: dict[str, Any] = {**frozen, "declarations": len(bodies)}
    if simulated_entropy:
        result.update(enter_simulated_dice(runtime, who, batch_id))
    return result


def hs_checked(runtime: Runtime, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark each goods item whose declared code disagrees with a confident HS classification: rules read
    ``items[].hs_disagreement`` ("chapter", "heading" or "subheading"; absent when they agree). Done here, at
    batch close and off the submission path; skipped when the classification capability or its model is not
    there (it never trains one on the way)."""
    ready, check = runtime.ports.get("classification.ready"), runtime.ports.get("classification.disagreement")
    if ready is None or check is None or not ready():
        return bodies
    checked = []
    for body in bodies:
        items = []
        for item in body.get("items", ()):
            found = check(str(item.get("name", "")), str(item.get("spec", "")), str(item.get("hs_code", "")))
            items.append({**item, "hs_disagreement": found.level} if found is not None else item)
        checked.append({**body, "items": items})
    return checked


def _manifest_rule_locks(conn: Connection, screened: Sequence[Any], bodies: Sequence[Mapping[str, Any]]
                         ) -> list[tuple[str, str, str]]:
    """Manifest rules: an active rule whose definition says ``"lock_manifest": true`` locks the manifest of every
    declaration it hits (舱单加锁), with the rule's reason."""
    lockers = rule_services.manifest_lock_rules(conn)
    if not lockers:
        return []
    wanted: dict[str, tuple[str, str]] = {}
    for s, body in zip(screened, bodies, strict=True):
        for hit in s.hits:
            if hit.rule_id in lockers and body.get("bill_no"):
                wanted.setdefault(str(body["bill_no"]), (hit.rule_id, hit.reason.get("zh-CN", hit.rule_id)))
    bills = declarations_queries.bills_by_number(conn, wanted)
    manifests = declarations_queries.manifests_of_bills(conn, bills.values())
    locked = {r["manifest_id"] for r in db.active_locks(conn, manifests.values())}
    out = []
    for bill_no, (rule_id, reason) in wanted.items():
        manifest = manifests.get(bills.get(bill_no, ""))
        if manifest and manifest not in locked:
            locked.add(manifest)
            out.append((manifest, rule_id, reason))
    return out


def enter_simulated_dice(runtime: Runtime, who: Principal, batch_id: str) -> dict[str, Any]:
    """The port simulator plays two operators rolling ten-sided dice (clearly named as simulated)."""
    digits = ["".join(str(secrets.randbelow(10)) for _ in range(12)) for _ in range(2)]
    parties = (("SIMULATED operator A 模拟操作员甲", digits[0]), ("SIMULATED operator B 模拟操作员乙", digits[1]))
    return services.do_enter_entropy(runtime, who, EnterDice(batch_id, parties))


def due_sites(runtime: Runtime, config: BatchConfig) -> list[str]:
    now = runtime.clock.now()
    with runtime.engine.connect() as conn:
        stats = db.queue_stats(conn)
    return sorted(site for site, (n, oldest) in stats.items()
                  if n >= config.size or (oldest is not None and (now - oldest).total_seconds() >= config.seconds))


def close_due(runtime: Runtime, config: BatchConfig, *, simulated_entropy: bool = False) -> list[dict[str, Any]]:
    """The scheduler job: close every site's batch that is due (N queued or T seconds)."""
    out = []
    for site in due_sites(runtime, config):
        try:
            result = do_close_batch(runtime, SYSTEM, site, config, simulated_entropy=simulated_entropy)
        except DomainError as exc:
            log.warning("closing the batch of site %s failed: %s %s", site, exc.key, exc.params)
            continue
        if result:
            out.append(result)
    return out


def make_simulator(runtime: Runtime, rate: float) -> Callable[[], None]:
    """`make run`: close due batches every tick, the simulated operators entering the dice; so the demo
    declarations go declared → accepted → screened → released / inspection_ordered within seconds. Unless set in
    the environment, batches close after 5 s and the random share is 0.15 (demo figures, not policy)."""
    config = BatchConfig.from_env()
    demo: dict[str, Any] = {}
    if "SMARTCUSTOMS_RISK_BATCH_SECONDS" not in os.environ:
        demo["seconds"] = 5.0
    if "SMARTCUSTOMS_RISK_RANDOM_RATE" not in os.environ:
        demo["random_rate"] = "0.15"  # demo only: enough inspections to watch within a minute
    config = BatchConfig(**{**config.__dict__, **demo})

    def tick() -> None:
        close_due(runtime, config, simulated_entropy=True)

    return tick


# --- 4. applying the decisions ---------------------------------------------------------------------------------
def _usernames(runtime: Runtime, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    with runtime.engine.connect() as conn:
        return {r.id: r.username for r in conn.execute(select(users.c.id, users.c.username)
                                                        .where(users.c.id.in_(list(ids))))}


def apply_decision(runtime: Runtime, message: Message) -> None:
    """Handler of ``risk/declaration_decided``: move the declaration on through the lifecycle port."""
    p = message.payload
    officer = p.get("officer_id")
    reasons = [(r["key"].removeprefix("risk.reason."), r["key"], {k: str(v) for k, v in r["params"].items()})
               for r in p.get("reasons", [])]
    if officer:
        name = _usernames(runtime, [officer]).get(officer, officer)
        reasons.append(("dispatch", "risk.reason.dispatched", {"officer": name}))
    details = {"batch_id": p["batch_id"], "selected": p["selected"], "source": p.get("source"),
               "risk_channel": p["channel"], "inspection_method": p["inspection_method"],
               "unloading_method": p["unloading_method"], "officer_id": officer, "score": p["score"]}
    cmd = ApplyScreening(p["declaration_id"], "inspection" if p["selected"] else "release", tuple(reasons), details)
    try:
        runtime.port(LIFECYCLE).apply_screening(SYSTEM_ACTOR, cmd)
    except NotFound:
        # a batch frozen through the API from an outside feed: its declarations are not in this system
        log.info("decision for unknown declaration %s (batch %s) not applied", p["declaration_id"], p["batch_id"])


# --- the console's views and the duty toggle -------------------------------------------------------------------
DUTY_EDITORS = (Role.RISK_OFFICER, Role.SECTION_CHIEF, Role.ADMIN)
VIEWERS = (Role.RISK_OFFICER, Role.SECTION_CHIEF, Role.AUDITOR, Role.ADMIN)


def _scope(who: Principal, site: str, roles: tuple[Role, ...]) -> None:
    if not who.is_customs or not who.has(*roles):
        raise PermissionDenied("error.forbidden")
    if not who.covers_customs(site):
        raise NotFound("risk.site.not_found")


def access_roster(runtime: Runtime, who: Principal, site: str) -> list[dict[str, Any]]:
    _scope(who, site, VIEWERS)
    with runtime.engine.connect() as conn:
        return site_officers(conn, site)


def do_set_duty(runtime: Runtime, who: Principal, site: str, user_id: str, on_duty: bool) -> dict[str, Any]:
    """Put an inspector or section chief of the site on or off duty (audited); the next batch's roster follows."""
    _scope(who, site, DUTY_EDITORS)
    with runtime.uow(actor_of(who)) as uow:
        officer = next((o for o in site_officers(uow.conn, site) if o["id"] == user_id), None)
        if officer is None:
            raise NotFound("risk.roster.not_officer")
        db.set_duty(uow.conn, user_id, on_duty, who.user_id, uow.now)
        uow.record("risk.duty_changed", "user", user_id, before={"on_duty": officer["on_duty"]},
                   after={"on_duty": on_duty, "site": site})
        uow.commit()
    return {"user_id": user_id, "username": officer["username"], "on_duty": on_duty}


def do_close_now(runtime: Runtime, who: Principal, site: str) -> dict[str, Any] | None:
    """The console's "close the batch now" (risk officers): the operators then enter the dice."""
    _scope(who, site, services.OPERATORS)
    return do_close_batch(runtime, who, site, BatchConfig.from_env())


def access_queue(runtime: Runtime, who: Principal) -> list[dict[str, Any]]:
    if not who.is_customs or not who.has(*VIEWERS):
        raise PermissionDenied("error.forbidden")
    with runtime.engine.connect() as conn:
        stats = db.queue_stats(conn)
    return [{"site": site, "queued": n, "oldest": oldest} for site, (n, oldest) in sorted(stats.items())
            if who.covers_customs(site)]


def access_batches(runtime: Runtime, who: Principal, limit: int = 50) -> list[dict[str, Any]]:
    if not who.is_customs or not who.has(*services.READERS):
        raise PermissionDenied("error.forbidden")
    with runtime.engine.connect() as conn:
        return db.list_batches(conn, who.customs_scope, limit)
