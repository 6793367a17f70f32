"""Settings refuse a default secret in production; every message key the code raises has zh-CN and en text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from smartcustoms.platform.settings import DEV_SECRET, Settings

SRC = Path(__file__).resolve().parents[2] / "src" / "smartcustoms"


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError):
        Settings(env="prod", secret_key=DEV_SECRET)
    with pytest.raises(ValidationError):
        Settings(env="prod", secret_key="short")
    assert Settings(env="prod", secret_key="x" * 40).secure_cookies is True
    assert Settings(env="dev").secure_cookies is False


def test_default_database_is_embedded_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    url = Settings(data_dir=tmp_path).effective_database_url
    assert url == f"sqlite:///{tmp_path.resolve()}/smartcustoms.db"


KEY_USE = re.compile(r"""(?:FieldError\(\s*[^,()]+,\s*|(?:Error|Failed|NotFound|Conflict|Transition|Denied|"""
                     r"""Authenticated|Requests|Required)\(\s*)["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")


def test_every_message_key_used_in_code_has_both_languages() -> None:
    from smartcustoms.bootstrap import build_runtime

    runtime = build_runtime(Settings(env="test", database_url="sqlite://"), mqtt=False)
    known = runtime.translator.keys()
    runtime.close()
    used: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        for key in KEY_USE.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, str(path.relative_to(SRC)))
    for key in re.findall(r"""raise CodeError\(["']([a-z_.]+)["']\)""", (SRC / "kernel/codes.py").read_text()):
        used.setdefault(key, "kernel/codes.py")
    assert used, "the scan found message keys"
    missing = {k: where for k, where in used.items() if k not in known}
    assert not missing, f"message keys without a catalogue entry: {missing}"
