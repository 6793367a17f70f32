"""PostgreSQL partition maintenance for `transit_positions` (range on device_time, one partition per month in
schema `transit_partitions`). Retention is a `DETACH PARTITION` + archive + `DROP` of a whole month — no
table-locking bulk delete (Traccar #5065). SQLite has no partitions: nothing to do."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text


def _month(year: int, month: int) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=UTC)


def create_monthly_partitions(engine: Engine, now: datetime, months: int = 3) -> list[str]:
    if engine.dialect.name != "postgresql":
        return []
    created = []
    with engine.begin() as conn:
        existing = set(conn.execute(text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'transit_positions'")).scalars())
        for k in range(months + 1):
            start = _month(now.year, now.month + k)
            end = _month(now.year, now.month + k + 1)
            name = f"positions_{start:%Y_%m}"
            if name in existing:
                continue
            conn.execute(text(
                f"CREATE TABLE transit_partitions.{name} PARTITION OF transit_positions "
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"))
            created.append(name)
    return created
