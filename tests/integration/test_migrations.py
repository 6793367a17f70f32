"""The migrations create exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from smartcustoms.bootstrap import import_tables
from smartcustoms.platform.db import metadata


def test_schema_matches_the_tables_in_code(db_url: str) -> None:
    import_tables()
    engine = create_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == [], f"migrations and tables differ — generate a migration: {diff}"
