"""Shared fixtures. Databases: every integration test runs on SQLite and on PostgreSQL (a fresh database per
test session, created and dropped here). Under CI=true PostgreSQL and Mosquitto must be reachable: a missing
service fails the run instead of skipping."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from smartcustoms.kernel.timeutil import FixedClock
from smartcustoms.platform.settings import Settings

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("SMARTCUSTOMS_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MQTT_URL = os.environ.get("SMARTCUSTOMS_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def service_missing(what: str) -> None:
    """Skip locally, fail under CI=true (DEVELOPERS: a skipped service test in CI is a failure)."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not reachable")
    pytest.skip(f"{what} not reachable")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# --- databases -----------------------------------------------------------------------------------------------
def _migrate(url: str) -> None:
    from smartcustoms.cli.main import upgrade_database

    upgrade_database(url)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'smartcustoms.db'}"
    _migrate(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = f"sc_test_{uuid.uuid4().hex[:10]}"
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        service_missing(f"PostgreSQL ({exc.__class__.__name__})")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Parametrises a test over both databases."""
    return str(request.getfixturevalue(f"{request.param}_url" if request.param == "sqlite" else "postgres_url"))


KEEP_TABLES = {"alembic_version", "org_units"}
"""Reference tables (prefix ref_) and these survive between tests; everything else is emptied."""


def _clean(engine: Any) -> None:
    from smartcustoms.bootstrap import import_tables
    from smartcustoms.platform.db import metadata

    import_tables()
    tables = [t for t in reversed(metadata.sorted_tables) if t.name not in KEEP_TABLES
              and not t.name.startswith("ref_")]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 2, 1, 30, tzinfo=UTC))


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(env="test", data_dir=tmp_path / "data", database_url=db_url, mqtt_url=None,
                    shared_dir=SHARED)


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Any]:
    from smartcustoms.bootstrap import build_runtime

    rt = build_runtime(settings, clock=clock, mqtt=False)
    _clean(rt.engine)
    yield rt
    rt.close()


# --- MQTT ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def mqtt_url() -> str:
    from smartcustoms.platform.mqtt import parse_url

    host, port = parse_url(MQTT_URL)
    if not _port_open(host, port):
        service_missing("Mosquitto (MQTT)")
    return MQTT_URL


# --- web -----------------------------------------------------------------------------------------------------
@pytest.fixture
def client(runtime: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from smartcustoms.web.app import create_app

    with TestClient(create_app(runtime, start_relay=False), base_url="http://testserver") as c:
        yield c


@dataclass
class User:
    user_id: str
    username: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def seed_org_tree(engine: Any) -> None:
    """A small customs organisation tree: GACC → Ningbo (3100) → Beilun (3104) → a site; Shanghai (2200)."""
    from smartcustoms.platform.identity.model import OrgLevel
    from smartcustoms.platform.identity.services import upsert_org_unit

    with engine.begin() as conn:
        upsert_org_unit(conn, "0000", "海关总署", "General Administration of Customs", OrgLevel.GACC, None)
        upsert_org_unit(conn, "3100", "宁波海关", "Ningbo Customs", OrgLevel.DIRECT, "0000")
        upsert_org_unit(conn, "3104", "北仑海关", "Beilun Customs", OrgLevel.SUBORDINATE, "3100")
        upsert_org_unit(conn, "3104S01", "北仑港区查验场", "Beilun port inspection site", OrgLevel.SITE, "3104")
        upsert_org_unit(conn, "2200", "上海海关", "Shanghai Customs", OrgLevel.DIRECT, "0000")
        upsert_org_unit(conn, "2201", "浦江海关", "Pujiang Customs", OrgLevel.SUBORDINATE, "2200")


@pytest.fixture
def org_tree(runtime: Any) -> None:
    seed_org_tree(runtime.engine)


@pytest.fixture
def make_user(runtime: Any, org_tree: None) -> Callable[..., User]:
    """make_user("inspector", org_unit="3104") or make_user("enterprise_user", enterprise_id=...)."""
    from smartcustoms.platform.audit import Actor
    from smartcustoms.platform.identity.model import Role
    from smartcustoms.platform.identity.services import NewUser, do_create_user, issue_token

    def make(*roles: str, enterprise_id: str | None = None, org_unit: str | None = None,
             username: str | None = None) -> User:
        username = username or f"u{uuid.uuid4().hex[:8]}"
        password = "correct horse battery"
        role_set = frozenset(Role(r) for r in roles)
        if not (role_set & {Role.ENTERPRISE_USER, Role.BROKER}) and org_unit is None:
            org_unit = "3100"
        with runtime.uow(Actor.system("test")) as uow:
            user_id = do_create_user(uow, NewUser(username, username, password, role_set, enterprise_id, org_unit))
            uow.commit()
        with runtime.engine.begin() as conn:
            token = issue_token(conn, runtime.clock.now(), user_id, "test", 3600)
        return User(user_id, username, password, token)

    return make
