"""Loading the reference tables on SQLite and PostgreSQL: counts, idempotence, audit, org tree, queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from smartcustoms.capabilities.reference import db, queries, services
from smartcustoms.platform.audit import Actor, audit_log
from smartcustoms.platform.identity.services import customs_scope
from tests.reference_data import ensure_reference_data, forget


def _load(runtime: Any) -> Any:
    return services.do_load(runtime, services.hs_dir_of(runtime.settings.shared_dir), actor=Actor.system("test"))


def _counts(conn: Any) -> dict[str, int]:
    tables = [*db.CODE_TABLES.values(), db.ref_hs, db.ref_hs_sections]
    return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}


def test_load_from_empty_then_again_changes_nothing(runtime: Any) -> None:
    with runtime.engine.begin() as conn:
        for table in [*db.CODE_TABLES.values(), db.ref_hs, db.ref_hs_sections]:
            conn.execute(delete(table))
    forget(runtime)
    first = _load(runtime)
    assert first.tables["hs"].inserted == 97 + 1229 + 5613
    assert first.tables["countries"].inserted >= 249 and first.changed
    with runtime.engine.connect() as conn:
        before = _counts(conn)
    second = _load(runtime)
    assert not second.changed
    assert second.tables["hs"].unchanged == 97 + 1229 + 5613
    with runtime.engine.connect() as conn:
        assert _counts(conn) == before
        entries = conn.execute(select(audit_log.c.action, audit_log.c.after).order_by(audit_log.c.seq)).all()
    assert [e.action for e in entries] == ["reference.loaded", "reference.loaded"]  # one per load
    assert entries[0].after["hs"]["inserted"] == 6939 and entries[1].after["hs"]["inserted"] == 0


def test_hs_levels_match_the_nomenclature(runtime: Any) -> None:
    ensure_reference_data(runtime)
    with runtime.engine.connect() as conn:
        levels = dict(conn.execute(select(db.ref_hs.c.level, func.count()).group_by(db.ref_hs.c.level)).all())
        sets = queries.reference_sets(conn)
    assert levels == {2: 97, 4: 1229, 6: 5613}
    assert len(sets.hs_subheadings) == 5613 and "847130" in sets.hs_subheadings


def test_reference_sets_hold_the_codes_declarations_use(runtime: Any) -> None:
    ensure_reference_data(runtime)
    with runtime.engine.connect() as conn:
        sets = queries.reference_sets(conn)
        assert queries.reference_sets(conn) is sets  # cached
    assert {"CHN", "USA", "DEU"} <= sets.countries and {"CNY", "USD", "EUR"} <= sets.currencies
    assert {"001", "007", "011", "035", "036", "095"} <= sets.units
    assert {"0110", "9610", "1210", "1239", "9710", "9810", "0214", "0615", "2225", "4500", "5000"} <= sets.trade_modes
    assert {"0", "2", "3", "4", "5", "6", "9"} <= sets.transport_modes
    assert {"0000", "2200", "2201", "2248", "3100", "3104", "3105", "3106", "0800"} <= sets.customs_offices
    assert "3104S01" not in sets.customs_offices  # sites are org units, not customs codes


def test_the_organisation_tree_is_built_from_the_customs_offices(runtime: Any) -> None:
    ensure_reference_data(runtime)
    with runtime.engine.connect() as conn:
        ningbo = customs_scope(conn, "3100")
        site = customs_scope(conn, "3104S01")
        assert customs_scope(conn, "0000") is None
    assert ningbo is not None and {"3100", "3104", "3104S01", "3105"} <= ningbo and "2200" not in ningbo
    assert site == frozenset({"3104S01", "3104"})


def test_hs_entry_search_and_labels(runtime: Any) -> None:
    ensure_reference_data(runtime)
    with runtime.engine.connect() as conn:
        entry = queries.hs_entry(conn, "8471.30.00.00")
        assert entry is not None and entry["code"] == "847130" and entry["level"] == 6
        assert [c["code"] for c in entry["chain"]] == ["84", "8471"]
        assert entry["section"]["code"] == "XVI"
        assert queries.hs_entry(conn, "999998") is None and queries.hs_entry(conn, "x") is None
        chapter = queries.hs_entry(conn, "01")
        assert chapter is not None and chapter["chain"] == [] and len(chapter["children"]) >= 5
        found = queries.search_hs(conn, "horses live")
        assert found and all("horses" in f["description"].lower() for f in found)
        assert [f["code"] for f in queries.search_hs(conn, "0101", limit=3)] == ["0101", "010121", "010129"]
        assert queries.search_hs(conn, "100%") == []
        assert queries.label(conn, "trade_modes", "0110", "zh-CN") == "一般贸易"
        assert queries.label(conn, "trade_modes", "0110", "en") == "General trade"
        assert queries.label(conn, "countries", "CHN", "zh-CN") == "中国"
        assert queries.label(conn, "customs_offices", "3104", "zh-CN") == "北仑海关"
        assert queries.label(conn, "hs", "847130", "en") is not None
        assert queries.label(conn, "units", "999", "en") is None
