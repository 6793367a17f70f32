"""Enterprises and code tables for bench_declarations: the real reference tables (loaded from shared/) and two
registered enterprises (a trader and the broker that declares for it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from smartcustoms.kernel.codes import uscc_check_character

HS_CODES = ["8504401400", "8517130000", "9403600000", "6109100021", "8471300000", "0901210000"]


def _uscc(n: int) -> str:
    first17 = f"91330206{n:08d}X"[:17]
    return first17 + uscc_check_character(first17)


TRADER = {"uscc": _uscc(7001), "customs_code": "3104967001", "name_zh": "宁波基准贸易有限公司", "kind": "trader"}
BROKER = {"uscc": _uscc(7002), "customs_code": "3104987002", "name_zh": "宁波基准报关有限公司", "kind": "broker"}


def seed(runtime: Any) -> tuple[str, str]:
    """Load the reference tables and register the trader and the broker; return the broker's id and the
    trader's customs code."""
    from smartcustoms.capabilities.enterprise.commands import RegisterEnterprise
    from smartcustoms.capabilities.enterprise.services import do_register
    from smartcustoms.capabilities.reference import services as reference
    from smartcustoms.platform.identity.model import Principal, Role

    reference.do_load(runtime, reference.hs_dir_of(runtime.settings.shared_dir))
    admin = Principal(user_id="bench", username="bench", display_name="bench", roles=frozenset({Role.ADMIN}))
    ids = [do_register(runtime, admin, RegisterEnterprise(**e, registered_customs="3104",
                                                          credit_grade="general_certified",
                                                          registered_on=date(2020, 1, 1)))
           for e in (TRADER, BROKER)]
    return ids[1], TRADER["customs_code"]
