"""Shared infrastructure (平台): settings, database, unit of work, audit chain, outbox, message bus, MQTT,
blob storage, identity and authentication, i18n. Never imports a capability.

Glossary:
- 审计日志 ↔ audit entry (hash-chained) ↔ `audit.AuditEntry`
- 发件箱 ↔ transactional outbox ↔ `outbox`
- 工作单元 ↔ unit of work ↔ `uow.UnitOfWork`
- 用户 / 角色 / 关区 ↔ user / role / customs organisation unit ↔ `identity`
- 随附单证 (无纸化) ↔ paperless attachment blob ↔ `blobs.BlobStore`
"""
