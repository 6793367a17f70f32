"""Settings, read once from the environment (prefix SMARTCUSTOMS_) and immutable afterwards."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me"
REPO_ROOT = Path(__file__).resolve().parents[3]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTCUSTOMS_", frozen=True, extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Path("data")
    database_url: str | None = None
    """SQLAlchemy URL; default an embedded SQLite file in `data_dir`. PostgreSQL: postgresql+psycopg://…"""
    mqtt_url: str | None = None
    """mqtt://host:port; unset means device messages and the event bridge stay off."""
    mqtt_topic_prefix: str = "smartcustoms"
    secret_key: str = DEV_SECRET
    session_max_age_s: int = 8 * 3600
    token_ttl_s: int = 30 * 24 * 3600
    login_max_failures: int = 5
    login_window_s: int = 300
    shared_dir: Path = REPO_ROOT.parent / "shared"
    assets_dir: Path = REPO_ROOT / "node_modules"
    default_locale: Literal["zh-CN", "en"] = "zh-CN"
    cookie_secure: bool | None = None
    """Secure flag on the session cookie; default on outside dev/test."""
    relay_interval_s: float = 0.5

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env == "prod" and self.secret_key == DEV_SECRET:
            raise ValueError("SMARTCUSTOMS_SECRET_KEY must be set to a real secret in production")
        if self.env == "prod" and len(self.secret_key) < 32:
            raise ValueError("SMARTCUSTOMS_SECRET_KEY must be at least 32 characters in production")
        return self

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'smartcustoms.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else self.env == "prod"
