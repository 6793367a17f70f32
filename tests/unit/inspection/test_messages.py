"""Every message key the inspection capability raises or renders exists in zh-CN and en."""

from __future__ import annotations

import re
from pathlib import Path

from smartcustoms.capabilities.inspection.messages import MESSAGES

SRC = Path(__file__).resolve().parents[3] / "src" / "smartcustoms" / "capabilities" / "inspection"
PATTERNS = (r"(?:NotFound|ValidationFailed|Conflict|PermissionDenied|IllegalTransition)\(\s*"
            r"\"(inspection\.[a-z_0-9]+)\"",
            r"FieldError\([^,]+,\s*\"(inspection\.[a-z_0-9]+)\"",
            r"\bt\(\s*[\"'](inspection\.[a-z_0-9]+)[\"']")


def test_every_used_key_exists_in_both_languages() -> None:
    used: set[str] = set()
    for path in [*SRC.rglob("*.py"), *SRC.rglob("*.html")]:
        text = path.read_text("utf-8")
        for pattern in PATTERNS:
            used |= set(re.findall(pattern, text))
    assert len(used) > 40
    assert not sorted(k for k in used if k not in MESSAGES)
    assert all(set(v) == {"zh-CN", "en"} and all(v.values()) for v in MESSAGES.values())
