"""Enterprise registry on SQLite and PostgreSQL: registration, duplicates, details, grades, queries, demo."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from smartcustoms.capabilities.enterprise import queries, services
from smartcustoms.capabilities.enterprise.commands import ChangeCreditGrade, RegisterEnterprise, UpdateEnterprise
from smartcustoms.capabilities.enterprise.db import enterprise_credit_grades, enterprises
from smartcustoms.capabilities.enterprise.demo import load_demo
from smartcustoms.kernel.errors import Conflict, ValidationFailed
from smartcustoms.platform import outbox
from smartcustoms.platform.audit import audit_log
from smartcustoms.platform.identity.tables import users
from tests.enterprise_data import ADMIN, customs_code, register, uscc

pytestmark = pytest.mark.usefixtures("reference_data")
TODAY = date(2026, 11, 2)  # the test clock (2026-11-02 01:30 UTC = 09:30 in Shanghai)


def _count(runtime: Any, table: Any) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _audit(runtime: Any) -> list[Any]:
    with runtime.engine.connect() as conn:
        return list(conn.execute(select(audit_log).order_by(audit_log.c.seq)))


def test_register_stores_the_enterprise_its_first_grade_an_audit_entry_and_an_event(runtime: Any) -> None:
    eid = register(runtime, uscc=uscc(9001).lower(), credit_grade="general_certified",
                   registered_on=date(2019, 5, 1))
    with runtime.engine.connect() as conn:
        view = queries.get_enterprise(conn, eid, on=TODAY)
        history = queries.grade_history(conn, eid)
        events = outbox.pending(conn)
    assert view is not None and view.uscc == uscc(9001) and view.credit_grade == "general_certified"
    assert view.registered_on == date(2019, 5, 1)
    assert [(r.grade, r.effective_from, r.reason) for r in history] == [
        ("general_certified", date(2019, 5, 1), "registered")]
    [entry] = _audit(runtime)
    assert entry.action == "enterprise.registered" and entry.subject_id == eid and entry.tenant == eid
    assert entry.after["uscc"] == uscc(9001) and entry.actor_name == ADMIN.username
    assert [e["topic"] for e in events] == ["enterprise/registered"]


@pytest.mark.parametrize("field", ["uscc", "customs_code"])
def test_a_duplicate_code_is_a_conflict_and_nothing_is_stored(runtime: Any, field: str) -> None:
    register(runtime, uscc=uscc(9101), customs_code=customs_code(9101))
    before = (_count(runtime, enterprises), _count(runtime, enterprise_credit_grades), len(_audit(runtime)))
    other = {"uscc": uscc(9102), "customs_code": customs_code(9102)}
    other[field] = uscc(9101) if field == "uscc" else customs_code(9101)
    with pytest.raises(Conflict) as err:
        register(runtime, **other)
    assert err.value.key == f"enterprise.duplicate_{field}"
    after = (_count(runtime, enterprises), _count(runtime, enterprise_credit_grades), len(_audit(runtime)))
    assert after == before


def test_a_registration_that_loses_a_race_is_a_conflict_too(runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcustoms.capabilities.enterprise import db

    register(runtime, uscc=uscc(9111), customs_code=customs_code(9111))
    real = db.code_taken
    calls: list[str] = []

    def first_check_misses(conn: Any, column: str, value: str) -> bool:
        calls.append(column)
        return False if len(calls) <= 2 else real(conn, column, value)  # the other commit lands after the check

    monkeypatch.setattr(db, "code_taken", first_check_misses)
    with pytest.raises(Conflict) as err:
        register(runtime, uscc=uscc(9112), customs_code=customs_code(9111))
    assert err.value.key == "enterprise.duplicate_customs_code"
    assert _count(runtime, enterprises) == 1 and len(_audit(runtime)) == 1


def test_invalid_registration_lists_every_field_and_stores_nothing(runtime: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.do_register(runtime, ADMIN, RegisterEnterprise(
            uscc="123", customs_code="", name_zh="", kind="", registered_customs="1234",
            registered_on=date(2030, 1, 1)))
    assert {e.field for e in err.value.errors} == {"uscc", "customs_code", "name_zh", "kind", "registered_customs",
                                                   "registered_on"}
    assert _count(runtime, enterprises) == 0 and _audit(runtime) == []


def test_grade_history_and_current_grade_by_date(runtime: Any) -> None:
    eid = register(runtime, registered_on=date(2020, 1, 1))
    services.do_change_grade(runtime, ADMIN, ChangeCreditGrade(eid, "advanced_certified", date(2024, 1, 1), "AEO"))
    services.do_change_grade(runtime, ADMIN, ChangeCreditGrade(eid, "untrustworthy", date(2026, 12, 1), "走私处罚"))
    with runtime.engine.connect() as conn:
        grade_on = {d: queries.get_enterprise(conn, eid, on=d).credit_grade  # type: ignore[union-attr]
                    for d in (date(2023, 12, 31), date(2024, 1, 1), TODAY, date(2026, 12, 1))}
        history = queries.grade_history(conn, eid)
    assert grade_on == {date(2023, 12, 31): "general", date(2024, 1, 1): "advanced_certified",
                        TODAY: "advanced_certified", date(2026, 12, 1): "untrustworthy"}
    assert [r.grade for r in history] == ["untrustworthy", "advanced_certified", "general"]
    changes = [e for e in _audit(runtime) if e.action == "enterprise.credit_grade_changed"]
    assert len(changes) == 2  # one audit entry per change
    assert changes[0].before == {"credit_grade": "general"}
    assert changes[0].after == {"grade": "advanced_certified", "effective_from": "2024-01-01", "reason": "AEO"}
    with runtime.engine.connect() as conn:
        topics = [e["topic"] for e in outbox.pending(conn)]
    assert topics.count("enterprise/credit_grade_changed") == 2


def test_grade_change_needs_a_known_grade_and_a_reason(runtime: Any) -> None:
    eid = register(runtime)
    with pytest.raises(ValidationFailed) as err:
        services.do_change_grade(runtime, ADMIN, ChangeCreditGrade(eid, "AA", TODAY, " "))
    assert {(e.field, e.key) for e in err.value.errors} == {("grade", "enterprise.unknown_grade"),
                                                           ("reason", "field.required")}


def test_update_details_is_audited_with_before_and_after_and_a_no_op_writes_nothing(runtime: Any) -> None:
    eid = register(runtime, name_en="Old Name Ltd.")
    services.do_update(runtime, ADMIN, UpdateEnterprise(eid, name_en="New Name Ltd.", registered_customs="3105"))
    services.do_update(runtime, ADMIN, UpdateEnterprise(eid, name_en="New Name Ltd."))  # nothing changes
    updates = [e for e in _audit(runtime) if e.action == "enterprise.updated"]
    assert len(updates) == 1
    assert updates[0].before["name_en"] == "Old Name Ltd." and updates[0].after["name_en"] == "New Name Ltd."
    assert updates[0].after["registered_customs"] == "3105"
    with pytest.raises(ValidationFailed) as err:
        services.do_update(runtime, ADMIN, UpdateEnterprise(eid, name_zh="", kind="x", registered_customs="0001"))
    assert {e.field for e in err.value.errors} == {"name_zh", "kind", "registered_customs"}


def test_find_by_code_and_find_many(runtime: Any) -> None:
    a = register(runtime, uscc=uscc(9201), customs_code=customs_code(9201))
    b = register(runtime, uscc=uscc(9202), customs_code=customs_code(9202), credit_grade="untrustworthy")
    with runtime.engine.connect() as conn:
        by_uscc = queries.find_by_code(conn, uscc(9201), on=TODAY)
        by_customs = queries.find_by_code(conn, customs_code(9202).lower(), on=TODAY)
        many = queries.find_many(conn, [uscc(9201), customs_code(9202), "0000000000", ""], on=TODAY)
        assert queries.find_by_code(conn, "nope") is None
    assert by_uscc is not None and by_uscc.id == a
    assert by_customs is not None and by_customs.id == b and by_customs.credit_grade == "untrustworthy"
    assert set(many) == {uscc(9201), customs_code(9202)}
    assert many[customs_code(9202)].id == b and many[uscc(9201)].credit_grade == "general"


def test_list_filters_by_current_grade_kind_and_text(runtime: Any) -> None:
    register(runtime, name_zh="宁波甲贸易有限公司", credit_grade="advanced_certified")
    broker = register(runtime, name_zh="宁波乙报关有限公司", kind="broker")
    register(runtime, name_zh="上海丙物流有限公司", kind="logistics", registered_customs="2201")
    services.do_change_grade(runtime, ADMIN, ChangeCreditGrade(broker, "advanced_certified", date(2027, 1, 1), "x"))
    with runtime.engine.connect() as conn:
        aeo = queries.list_enterprises(conn, on=TODAY, grade="advanced_certified")
        later = queries.list_enterprises(conn, on=date(2027, 1, 1), grade="advanced_certified")
        brokers = queries.list_enterprises(conn, on=TODAY, kind="broker")
        text = queries.list_enterprises(conn, on=TODAY, q="上海")
        shanghai = queries.list_enterprises(conn, on=TODAY, registered_customs=["2201"])
        paged = queries.list_enterprises(conn, on=TODAY, page=2, page_size=2)
    assert aeo.total == 1 and later.total == 2
    assert [e.id for e in brokers.items] == [broker]
    assert text.total == 1 and shanghai.total == 1
    assert paged.total == 3 and len(paged.items) == 1


def test_demo_is_idempotent(runtime: Any) -> None:
    load_demo(runtime)
    load_demo(runtime)
    assert _count(runtime, enterprises) == 12
    with runtime.engine.connect() as conn:
        names = set(conn.execute(select(users.c.username)).scalars())
        views = queries.list_enterprises(conn, on=TODAY, page_size=50).items
    assert {"yonggang_user", "pujiang_user", "yongtong_broker"} <= names
    grades = [v.credit_grade for v in views]
    assert grades.count("untrustworthy") == 1 and grades.count("advanced_certified") >= 3
