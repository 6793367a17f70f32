"""Identity messages (zh-CN, en)."""

MESSAGES = {
    "identity.password_too_short": {"zh-CN": "密码至少 {min} 位", "en": "The password needs at least {min} characters"},
    "identity.mixed_roles": {"zh-CN": "企业角色与海关角色不能同时授予",
                             "en": "Enterprise roles and customs roles cannot be combined"},
    "identity.enterprise_required": {"zh-CN": "企业用户必须关联企业", "en": "An enterprise user needs an enterprise"},
    "identity.org_unit_required": {"zh-CN": "海关用户必须属于一个关区或现场",
                                   "en": "A customs user needs an organisation unit"},
    "identity.username_taken": {"zh-CN": "用户名 {username} 已存在", "en": "User name {username} is taken"},
}
