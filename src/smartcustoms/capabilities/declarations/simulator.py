"""The port simulator and the demo history: declarations from the demo enterprises with goods drawn from the
HS nomenclature, realistic values, and officers working the inspection queue over time.

Randomness here is simulation only (which goods, how many); customs decisions still come from the screener."""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from smartcustoms.capabilities.declarations import db, services
from smartcustoms.capabilities.declarations.commands import GoodsLine, SubmitDeclaration, TransitionDeclaration
from smartcustoms.capabilities.declarations.ports import SCREENER
from smartcustoms.capabilities.declarations.screening import DefaultScreener
from smartcustoms.capabilities.enterprise.queries import EnterpriseView, customs_today, list_enterprises
from smartcustoms.capabilities.reference.queries import reference_sets
from smartcustoms.kernel.codes import make_declaration_number
from smartcustoms.kernel.errors import DomainError
from smartcustoms.kernel.timeutil import FixedClock
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.runtime import Runtime

log = logging.getLogger(__name__)

# (10-digit code, name, specification, unit, unit price range in USD)
CATALOGUE: list[tuple[str, str, str, str, tuple[float, float]]] = [
    ("8504401400", "开关电源", "24V 100W 工业用", "007", (6, 40)),
    ("8517130000", "智能手机", "6.7英寸 256GB", "007", (120, 700)),
    ("8471300000", "笔记本电脑", "14英寸 16GB/512GB", "007", (250, 1200)),
    ("9403600000", "木制办公家具", "橡木 书桌", "007", (40, 300)),
    ("6109100021", "棉制针织T恤", "100%棉 男式", "007", (1.5, 8)),
    ("8418102000", "冰箱", "双门 300L", "007", (120, 450)),
    ("8516500000", "微波炉", "20L 700W", "007", (25, 90)),
    ("3926909090", "塑料制品", "PP 收纳盒", "035", (1.2, 6)),
    ("7308900000", "钢结构件", "Q235 焊接件", "035", (0.8, 3)),
    ("0901210000", "焙炒咖啡豆", "阿拉比卡 1kg装", "035", (6, 25)),
    ("2204210000", "葡萄酒", "750ml 干红", "095", (3, 60)),
    ("8703236000", "小轿车", "1.5T 汽油 5座", "007", (9000, 40000)),
    ("9701100000", "油画原作", "布面 80x60cm", "007", (800, 50000)),
    ("9302000000", "手枪", "运动用", "007", (300, 1500)),
]
TRADE_MODES = ["0110", "0110", "0110", "0110", "1210", "9610", "9710"]
COUNTRIES = ["USA", "DEU", "JPN", "KOR", "VNM", "GBR", "FRA", "AUS", "SGP", "BRA"]
FEN = Decimal("0.01")


@dataclass
class Parties:
    traders: list[EnterpriseView]
    brokers: list[EnterpriseView]


def demo_parties(runtime: Runtime) -> Parties:
    with runtime.engine.connect() as conn:
        today = customs_today(runtime.clock)
        traders = [e for e in list_enterprises(conn, on=today, page_size=200).items
                   if e.kind in ("trader", "ecommerce", "logistics")]
        brokers = list_enterprises(conn, on=today, kind="broker", page_size=200).items
    return Parties(traders, brokers)


def enterprise_principal(enterprise_id: str, name: str = "simulator") -> Principal:
    return Principal(user_id=name, username=name, display_name="口岸模拟器 port simulator",
                     roles=frozenset({Role.ENTERPRISE_USER}), enterprise_id=enterprise_id)


OFFICER = Principal(user_id="simulator-officer", username="simulator-officer",
                    display_name="模拟关员 simulated officer", roles=frozenset({Role.INSPECTOR, Role.SECTION_CHIEF}),
                    org_unit="0000", customs_scope=None)


class Generator:
    """Random but plausible declarations."""

    def __init__(self, rng: random.Random, offices: frozenset[str], hs: frozenset[str], units: frozenset[str]) -> None:
        self.rng, self.offices, self.units = rng, offices, units
        self.catalogue = [c for c in CATALOGUE if c[0][:6] in hs and c[3] in units]
        self.nomenclature = sorted(s for s in hs if not s.startswith(("93", "97", "99")))

    def goods(self, seq: int, currency: str, origin: str, destination: str, risky: bool) -> GoodsLine:
        rng = self.rng
        sensitive = [c for c in self.catalogue if c[0][:2] in ("93", "97")]
        pool = sensitive if risky and sensitive else [c for c in self.catalogue if c not in sensitive]
        if pool and (risky or rng.random() < 0.75):
            code, name, spec, unit, (low, high) = rng.choice(pool)
        else:
            sub = rng.choice(self.nomenclature)
            code, name, spec, unit, (low, high) = f"{sub}0000", f"HS {sub} 项下商品", "详见发票", "035", (0.5, 30)
        price = Decimal(str(round(math.exp(rng.uniform(math.log(low), math.log(high))), 2))).quantize(FEN)
        qty = Decimal(rng.choice([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]))
        if unit == "007" and price > 5000:
            qty = Decimal(rng.choice([1, 2, 3]))
        total = (qty * price).quantize(FEN, rounding=ROUND_HALF_UP)
        return GoodsLine(seq=seq, hs_code=code, name=name, spec=spec, quantity=qty, unit=unit, legal_quantity=qty,
                         legal_unit=unit, unit_price=price, total=total, currency=currency, origin_country=origin,
                         destination_country=destination)

    def declaration(self, number_serial: int, year: int, trader: EnterpriseView, broker: EnterpriseView | None,
                    risky: bool = False) -> SubmitDeclaration:
        rng = self.rng
        direction = rng.choice("IE")
        office = trader.registered_customs if trader.registered_customs in self.offices else "3104"
        partner = rng.choice(COUNTRIES)
        origin, destination = (partner, "CHN") if direction == "I" else ("CHN", partner)
        items = tuple(self.goods(i + 1, "USD", origin, destination, risky and i == 0)
                      for i in range(rng.choice([1, 1, 2, 3, 5])))
        gross = Decimal(rng.randint(50, 25000))
        return SubmitDeclaration(
            number=make_declaration_number(office, year, direction, number_serial), direction=direction,
            customs_code=office, port_code=office, trader=trader.customs_code,
            agent=broker.customs_code if broker else None, trade_mode=rng.choice(TRADE_MODES), transport_mode="2",
            transport_name=rng.choice(["MSC ANNA/612E", "COSCO SHIPPING ARIES/045W", "EVER GIVEN/0213E",
                                       "MAERSK ESSEX/238N"]),
            trade_country=partner, departure_country=origin if direction == "I" else "CHN",
            destination_country="CHN" if direction == "I" else destination, terms=rng.choice("133337"),
            currency="USD", gross_weight=gross, net_weight=(gross * Decimal("0.9")).quantize(Decimal("0.001")),
            packages=rng.randint(1, 400), items=items)


def _generator(runtime: Runtime, rng: random.Random) -> Generator | None:
    with runtime.engine.connect() as conn:
        refs = reference_sets(conn)
    if not refs.hs_subheadings:
        return None
    return Generator(rng, refs.customs_offices, refs.hs_subheadings, refs.units)


def _submit(runtime: Runtime, cmd: SubmitDeclaration, trader: EnterpriseView,
            broker: EnterpriseView | None) -> services.Outcome:
    who = enterprise_principal(broker.id if broker else trader.id)
    return services.do_submit_batch(runtime, who, [cmd])[0]


def _step(runtime: Runtime, declaration_id: str, action: str, result: str | None = None) -> None:
    services.do_transition(runtime, OFFICER, TransitionDeclaration(declaration_id, action, result))


def poisson(rng: random.Random, rate: float) -> int:
    """Knuth's method; fine for the small rates of a simulator."""
    limit, k, p = math.exp(-rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def make_simulator(runtime: Runtime, rate: float, seed: int | None = None) -> Callable[[], None]:
    """One tick per second: ~`rate` new declarations (Poisson), a share of them risky; officers then work the
    inspection queue: inspect after ~1 minute, release (or hold an anomaly) after ~2, close after ~10."""
    rng = random.Random(seed)
    state: dict[str, Any] = {"parties": None, "generator": None, "ticks": 0}

    def tick() -> None:
        state["ticks"] += 1
        if state["parties"] is None or state["ticks"] % 300 == 0:
            state["parties"], state["generator"] = demo_parties(runtime), _generator(runtime, rng)
        parties: Parties = state["parties"]
        gen: Generator | None = state["generator"]
        if gen is None or not parties.traders:
            return
        now = runtime.clock.now()
        for _ in range(poisson(rng, rate)):
            trader = rng.choice(parties.traders)
            broker = rng.choice(parties.brokers) if parties.brokers and rng.random() < 0.5 else None
            cmd = gen.declaration(rng.randrange(10**8, 10**9), now.year, trader, broker, risky=rng.random() < 0.15)
            try:
                _submit(runtime, cmd, trader, broker)
            except DomainError as exc:
                log.info("simulated declaration refused: %s", exc.key)
        _work_queue(runtime, rng, now)

    return tick


def _work_queue(runtime: Runtime, rng: random.Random, now: datetime) -> None:
    t = db.declarations
    plan = [("inspection_ordered", t.c.inspection_ordered_at, timedelta(minutes=1)),
            ("inspected", t.c.inspected_at, timedelta(minutes=1)),
            ("held", t.c.held_at, timedelta(minutes=5)),
            ("released", t.c.released_at, timedelta(minutes=10))]
    with runtime.engine.connect() as conn:
        due = [(status, row.id, row.inspection_result) for status, column, age in plan
               for row in conn.execute(select(t.c.id, t.c.inspection_result)
                                       .where(t.c.status == status, column <= now - age).limit(3))]
    for status, declaration_id, result in due:
        try:
            if status == "inspection_ordered":
                _step(runtime, declaration_id, "record_inspection", "anomaly" if rng.random() < 0.1 else "conform")
            elif status == "inspected":
                _step(runtime, declaration_id, "hold" if result == "anomaly" else "release")
            elif status == "held" or rng.random() < 0.3:
                _step(runtime, declaration_id, "close")
        except DomainError as exc:
            log.info("simulated step on %s refused: %s", declaration_id, exc.key)


# --- demo history -----------------------------------------------------------------------------------------------
DEMO_SERIAL = 990_000_000
DEMO_COUNT = 60
# final state of each demo declaration, cycled: most are released, every state is present
DEMO_PATHS = ["released", "released", "closed", "released", "inspection_ordered", "inspected", "released_after",
              "held", "closed_after_hold", "released", "closed", "released"]


def load_demo(runtime: Runtime) -> None:
    """~60 declarations over the last ten days across every state. Idempotent: numbers are fixed.
    The history is screened by the default rules (as before a risk capability was installed), so that every
    state is present at once; live declarations (the simulator) go through the installed screener."""
    runtime = replace(runtime, ports={**runtime.ports, SCREENER: DefaultScreener()})
    parties = demo_parties(runtime)
    rng = random.Random(20261102)
    gen = _generator(runtime, rng)
    if gen is None or not parties.traders:
        log.warning("declarations demo skipped: load reference data and the enterprise demo first")
        return
    now = runtime.clock.now()
    year = now.year
    traders = [e for e in parties.traders if e.credit_grade != "untrustworthy"]
    untrustworthy = [e for e in parties.traders if e.credit_grade == "untrustworthy"]
    wanted = []
    for i in range(DEMO_COUNT):
        path = DEMO_PATHS[i % len(DEMO_PATHS)]
        risky = path not in ("released", "closed")
        trader = untrustworthy[0] if risky and untrustworthy and i % 5 == 0 else rng.choice(traders or parties.traders)
        broker = rng.choice(parties.brokers) if parties.brokers and rng.random() < 0.5 else None
        cmd = gen.declaration(DEMO_SERIAL + i, year, trader, broker, risky=risky)
        wanted.append((i, path, trader, broker, cmd))
    with runtime.engine.connect() as conn:
        existing = db.existing_numbers(conn, [w[4].number for w in wanted])
    for i, path, trader, broker, cmd in wanted:
        if cmd.number in existing:
            continue
        start = now - timedelta(days=10) + timedelta(hours=4 * i, minutes=rng.randint(0, 200))
        at = FixedClock(start)
        replay = replace(runtime, clock=at)
        outcome = _submit(replay, cmd, trader, broker)
        if outcome.declaration is None:
            log.warning("demo declaration %s refused: %s %s", cmd.number, outcome.key, outcome.errors)
            continue
        d = outcome.declaration
        status = d.lifecycle.status.value
        steps: list[tuple[str, str | None]] = []
        if status == "inspection_ordered":
            if path in ("inspected",):
                steps = [("record_inspection", "conform")]
            elif path in ("held",):
                steps = [("record_inspection", "anomaly"), ("hold", None)]
            elif path == "closed_after_hold":
                steps = [("record_inspection", "anomaly"), ("hold", None), ("close", None)]
            elif path != "inspection_ordered":
                steps = [("record_inspection", "conform"), ("release", None)]
        elif path in ("closed",):
            steps = [("close", None)]
        for action, result in steps:
            # history stays in the past: each step takes at most half of the time left until now
            left_h = (now - at.now()).total_seconds() / 3600
            at.advance(hours=min(rng.uniform(0.5, 20), max(left_h / 2, 0.001)))
            _step(replay, d.id, action, result)
