"""Pure identity vocabulary: roles, organisation levels and the principal every access check receives."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ENTERPRISE_USER = "enterprise_user"  # 企业用户
    BROKER = "broker"  # 报关员 (of a customs broker enterprise)
    RISK_OFFICER = "risk_officer"  # 风险布控员
    INSPECTOR = "inspector"  # 查验关员
    IMAGE_REVIEWER = "image_reviewer"  # 审图员
    SECTION_CHIEF = "section_chief"  # 科长
    MONITORING_OFFICER = "monitoring_officer"  # 监控员
    AUDITOR = "auditor"  # 审计员
    ADMIN = "admin"  # 系统管理员


ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_USER, Role.BROKER})
CUSTOMS_ROLES = frozenset(Role) - ENTERPRISE_ROLES


class OrgLevel(StrEnum):
    GACC = "gacc"  # 海关总署
    DIRECT = "direct"  # 直属海关
    SUBORDINATE = "subordinate"  # 隶属海关
    SITE = "site"  # 现场 / 监管作业场所


@dataclass(frozen=True)
class Principal:
    """Who is asking. Enterprise users are bound to one enterprise; officers to an organisation unit, and they
    act only on customs codes within `customs_scope` (None: the whole service, e.g. GACC staff)."""

    user_id: str
    username: str
    display_name: str
    roles: frozenset[Role]
    enterprise_id: str | None = None
    org_unit: str | None = None
    customs_scope: frozenset[str] | None = None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_enterprise(self) -> bool:
        return bool(self.roles & ENTERPRISE_ROLES)

    @property
    def is_customs(self) -> bool:
        return bool(self.roles & CUSTOMS_ROLES)

    def covers_customs(self, customs_code: str) -> bool:
        return self.customs_scope is None or customs_code in self.customs_scope
