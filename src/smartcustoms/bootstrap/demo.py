"""Demo customs officers for `make run` (listed in README.md). Enterprise users come with the enterprise demo.
Idempotent: an existing user name is left as it is."""

from __future__ import annotations

from sqlalchemy import select

from smartcustoms.platform.audit import Actor
from smartcustoms.platform.identity.model import Role
from smartcustoms.platform.identity.services import NewUser, do_create_user
from smartcustoms.platform.identity.tables import org_units, users
from smartcustoms.platform.runtime import Runtime

DEMO_PASSWORD = "demo-pass-2026"

DEMO_OFFICERS: tuple[tuple[str, str, tuple[Role, ...], str], ...] = (
    # user name, display name, roles, organisation unit
    ("admin", "系统管理员 Admin", (Role.ADMIN,), "0000"),
    ("risk.wang", "王风险 Wang (risk)", (Role.RISK_OFFICER,), "3100"),
    ("inspector.li", "李查验 Li (inspector)", (Role.INSPECTOR,), "3104S01"),
    ("inspector.zhao", "赵查验 Zhao (inspector)", (Role.INSPECTOR,), "3104S01"),
    ("reviewer.chen", "陈审图 Chen (image review)", (Role.IMAGE_REVIEWER,), "3100"),
    ("chief.zhou", "周科长 Zhou (section chief)", (Role.SECTION_CHIEF,), "3104"),
    ("monitor.sun", "孙监控 Sun (monitoring)", (Role.MONITORING_OFFICER,), "3100"),
    ("auditor.qian", "钱审计 Qian (auditor)", (Role.AUDITOR,), "0000"),
)


def load_demo_officers(runtime: Runtime) -> list[str]:
    created = []
    with runtime.engine.connect() as conn:
        existing = set(conn.execute(select(users.c.username)).scalars())
        units = set(conn.execute(select(org_units.c.code)).scalars())
    for username, display, roles, unit in DEMO_OFFICERS:
        if username in existing:
            continue
        if unit not in units:
            raise RuntimeError(f"organisation unit {unit} missing: run `smartcustoms reference load` first")
        with runtime.uow(Actor.system("demo")) as uow:
            do_create_user(uow, NewUser(username, display, DEMO_PASSWORD, frozenset(roles), None, unit))
            uow.commit()
        created.append(username)
    return created
