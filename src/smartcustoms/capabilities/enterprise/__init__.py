"""Enterprise (企业): the registry of enterprises that deal with customs and their credit grades.

Glossary (中文 ↔ English ↔ identifier):
- 企业 ↔ enterprise ↔ `EnterpriseView`, table `enterprises`
- 统一社会信用代码 ↔ unified social credit code (18 characters, GB 32100) ↔ `uscc`
- 海关编码 (海关注册编码) ↔ customs registration code (10 characters) ↔ `customs_code`
- 注册地海关 ↔ registering customs office (4-digit 关区代码) ↔ `registered_customs`
- 企业类别 ↔ kind ↔ `EnterpriseKind`: 进出口货物收发货人 ↔ trader; 报关企业 ↔ broker; 物流企业 ↔ logistics;
  跨境电商企业 ↔ ecommerce; 仓储企业 ↔ warehouse
- 信用等级 ↔ credit grade ↔ `CreditGrade`: 高级认证企业 ↔ advanced_certified; 一般认证企业 ↔ general_certified;
  一般信用企业 ↔ general; 失信企业 ↔ untrustworthy
- 信用等级历史 ↔ credit grade history (dated, `effective_from`) ↔ `GradeRecord`, table `enterprise_credit_grades`
- 当前信用等级 ↔ current grade (latest `effective_from` ≤ today) ↔ `current_grade`
- 企业注册 / 变更 / 调整信用等级 ↔ register / update / change grade ↔ `do_register`, `do_update`,
  `do_change_grade`
"""
