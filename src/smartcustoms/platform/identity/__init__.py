"""Identity (身份与权限): users, roles, the customs organisation tree, API tokens, page sessions.

Glossary:
- 用户 ↔ user ↔ `User`;  角色 ↔ role ↔ `Role`;  当前主体 ↔ principal ↔ `Principal`
- 海关总署 → 直属海关 → 隶属海关 → 现场 ↔ GACC → direct customs → subordinate customs → site ↔ `OrgLevel`
- 企业用户 / 报关员 ↔ enterprise user / broker (both bound to one enterprise)
- 访问令牌 ↔ bearer token for the API ↔ `api_tokens`;  会话 ↔ page session ↔ `web_sessions`
"""
