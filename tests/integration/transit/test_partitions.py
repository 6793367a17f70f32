"""PostgreSQL: transit_positions is range-partitioned by device time; monthly partitions created ahead of time
take their rows, the default partition takes the rest. SQLite: nothing to do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from smartcustoms.capabilities.transit import db
from smartcustoms.capabilities.transit.maintenance import create_monthly_partitions


def test_monthly_partitions(runtime: Any) -> None:
    created = create_monthly_partitions(runtime.engine, datetime(2031, 1, 10, tzinfo=UTC), months=1)
    if runtime.engine.dialect.name != "postgresql":
        assert created == []
        return
    try:
        assert created == ["positions_2031_01", "positions_2031_02"]
        assert create_monthly_partitions(runtime.engine, datetime(2031, 1, 10, tzinfo=UTC), months=1) == []
        row = {"device_id": "D1", "seq": 1, "transit_id": None, "lat": 29.3, "lon": 120.1, "speed_kmh": 1.0,
               "heading": 0, "flags": "", "lock_state": None, "battery_pct": None, "source": "test",
               "received_at": datetime(2031, 1, 15, tzinfo=UTC)}
        with runtime.engine.begin() as conn:
            db.insert_positions(conn, [{**row, "device_time": datetime(2031, 1, 15, tzinfo=UTC)},
                                       {**row, "device_time": datetime(2032, 6, 1, tzinfo=UTC)}])
            where = dict(conn.execute(text(
                "SELECT to_char(device_time, 'YYYY'), tableoid::regclass::text FROM transit_positions "
                "WHERE device_id = 'D1'")).all())
        assert where == {"2031": "transit_partitions.positions_2031_01",
                         "2032": "transit_partitions.positions_default"}
    finally:
        with runtime.engine.begin() as conn:
            conn.execute(text("DELETE FROM transit_positions WHERE device_id = 'D1'"))
            for name in created:
                conn.execute(text(f"DROP TABLE IF EXISTS transit_partitions.{name}"))
