"""Enterprises for tests: valid codes and a one-call registration (as an administrator)."""

from __future__ import annotations

import itertools
from typing import Any

from smartcustoms.kernel.codes import uscc_check_character
from smartcustoms.platform.identity.model import Principal, Role

ADMIN = Principal(user_id="test-admin", username="test-admin", display_name="Test admin",
                  roles=frozenset({Role.ADMIN}))
_serial = itertools.count(1)


def uscc(n: int) -> str:
    first17 = f"91330206{n:08d}X"[:17]
    return first17 + uscc_check_character(first17)


def customs_code(n: int, office: str = "3104") -> str:
    return f"{office}96{n:04d}"


def register(runtime: Any, **overrides: Any) -> str:
    """Register a valid enterprise (Beilun, trader) and return its id; keyword arguments override fields."""
    from smartcustoms.capabilities.enterprise.commands import RegisterEnterprise
    from smartcustoms.capabilities.enterprise.services import do_register

    n = next(_serial)
    fields: dict[str, Any] = {"uscc": uscc(n), "customs_code": customs_code(n), "name_zh": f"测试企业{n}有限公司",
                              "name_en": f"Test Enterprise {n} Co., Ltd.", "kind": "trader",
                              "registered_customs": "3104", "address": "宁波市北仑区"}
    fields.update(overrides)
    return do_register(runtime, ADMIN, RegisterEnterprise(**fields))
