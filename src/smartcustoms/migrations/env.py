"""Alembic environment: runs against the URL handed in by `smartcustoms db upgrade` (or the settings)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context

from smartcustoms.bootstrap import import_tables
from smartcustoms.platform.db import UTCDateTime, make_engine, metadata
from smartcustoms.platform.settings import Settings

config = context.config
import_tables()
url = config.attributes.get("database_url") or Settings().effective_database_url
connection = config.attributes.get("connection")


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Version files import only alembic and sqlalchemy: render our portable types as plain SQLAlchemy."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, sa.JSON):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def run(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=conn.dialect.name == "sqlite",
                      compare_type=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    engine = make_engine(url)
    with engine.connect() as conn:
        run(conn)
    engine.dispose()
