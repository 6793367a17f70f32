"""Alembic migrations. One branch per capability (branch label = capability name) on top of `platform_0001`;
`smartcustoms db upgrade` applies all heads. Version files import only alembic and sqlalchemy."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_locations", str(HERE / "versions"))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["database_url"] = database_url
    return cfg
