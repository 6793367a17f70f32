"""Registers the enterprise capability with the composition root."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smartcustoms.capabilities.enterprise import services
from smartcustoms.capabilities.enterprise.api import router
from smartcustoms.capabilities.enterprise.commands import ChangeCreditGrade
from smartcustoms.capabilities.enterprise.demo import load_demo
from smartcustoms.capabilities.enterprise.messages import MESSAGES
from smartcustoms.capabilities.enterprise.pages import pages
from smartcustoms.platform.capability import Capability
from smartcustoms.platform.identity.model import Principal
from smartcustoms.platform.runtime import Runtime


class GradingPort:
    """Port ``enterprise.grading``: other capabilities (risk: credit feedback from inspection findings) record
    a grade change through the same service, role check and audit as a credit officer."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def change_grade(self, who: Principal, cmd: ChangeCreditGrade) -> None:
        services.do_change_grade(self.runtime, who, cmd)


def _provides(runtime: Runtime) -> dict[str, Any]:
    return {"enterprise.grading": GradingPort(runtime)}


capability = Capability(
    name="enterprise",
    depends_on=("reference",),
    messages=MESSAGES,
    api_routers=[router],
    page_routers=[pages],
    templates=Path(__file__).resolve().parent / "templates",
    demo=load_demo,
    nav=[("/enterprises", "企业", "Enterprises")],
    provides=_provides,
)
