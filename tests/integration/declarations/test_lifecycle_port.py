"""Other capabilities move a declaration on through the `declarations.lifecycle` port: the same state machine,
an audit entry marked automatic, and illegal steps refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from smartcustoms.capabilities.declarations.commands import TransitionDeclaration
from smartcustoms.capabilities.declarations.db import declarations
from smartcustoms.capabilities.declarations.simulator import load_demo
from smartcustoms.capabilities.enterprise.demo import load_demo as load_enterprise_demo
from smartcustoms.kernel.errors import IllegalTransition
from smartcustoms.platform.audit import Actor, audit_log


def _inspection_declaration(runtime: Any) -> str:
    with runtime.engine.connect() as conn:
        row = conn.execute(select(declarations.c.id).where(declarations.c.status == "inspection_ordered")).first()
    assert row is not None
    return str(row.id)


def test_a_system_step_goes_through_the_state_machine_and_is_audited(runtime: Any, reference_data: Any) -> None:
    load_enterprise_demo(runtime)
    load_demo(runtime)
    port = runtime.port("declarations.lifecycle")
    declaration_id = _inspection_declaration(runtime)
    with pytest.raises(IllegalTransition):
        port.automatic(Actor.system("risk"), TransitionDeclaration(declaration_id, "release"))
    status = port.automatic(Actor.system("inspection"),
                            TransitionDeclaration(declaration_id, "record_inspection", result="conform"))
    assert status == "inspected"
    assert port.automatic(Actor.system("inspection"), TransitionDeclaration(declaration_id, "release")) == "released"
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.actor_name, audit_log.c.after)
                            .where(audit_log.c.subject_id == declaration_id).order_by(audit_log.c.seq)).all()
    assert [r.action for r in rows[-2:]] == ["declarations.record_inspection", "declarations.release"]
    assert all(r.after["automatic"] is True and r.actor_name == "inspection" for r in rows[-2:])
