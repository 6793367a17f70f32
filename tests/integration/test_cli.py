"""The `smartcustoms` command: migrate, create a user, verify the audit chain and catch an edit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, update
from typer.testing import CliRunner

from smartcustoms.platform.audit import audit_log


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SMARTCUSTOMS_DATABASE_URL", url)
    monkeypatch.setenv("SMARTCUSTOMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SMARTCUSTOMS_ENV", "test")
    return url


def test_audit_verify_passes_then_names_the_edited_entry(env: str) -> None:
    from smartcustoms.cli.main import app
    from tests.conftest import seed_org_tree

    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    engine = create_engine(env)
    seed_org_tree(engine)
    for name in ("officer.a", "officer.b", "officer.c"):
        result = runner.invoke(app, ["users", "create", name, "--password", "long enough pass", "--role", "inspector",
                                     "--org-unit", "3104"])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0 and "3 entries" in result.output
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(actor_name="someone else"))
    engine.dispose()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "entry 2: edited" in result.output and "BROKEN" in result.output


def test_users_token_prints_a_working_token(env: str) -> None:
    from smartcustoms.cli.main import app
    from tests.conftest import seed_org_tree

    runner = CliRunner()
    runner.invoke(app, ["db", "upgrade"])
    seed_org_tree(create_engine(env))
    runner.invoke(app, ["users", "create", "risk.a", "--password", "long enough pass", "--role", "risk_officer",
                        "--org-unit", "3100"])
    result = runner.invoke(app, ["users", "token", "risk.a"])
    assert result.exit_code == 0 and result.output.strip().startswith("sc_")
