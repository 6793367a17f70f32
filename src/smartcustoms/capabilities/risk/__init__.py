"""Risk targeting (风险布控) with provably fair "double random" (双随机) selection, dispatch and re-inspection.

Glossary 中文 ↔ English ↔ identifier:

- 风险布控 ↔ risk targeting ↔ ``risk``
- 布控批次 / 筛选批次 ↔ screening batch ↔ ``domain.batch`` / table ``risk_batches``
- 随机布控 / 随机选择布控 ↔ random selection ↔ ``Source.RANDOM`` (draw purpose ``random``)
- 随机派员 / 随机派单 ↔ random dispatch ↔ ``domain.dispatch.dispatch`` (purpose ``dispatch``)
- 随机复查复验 ↔ random re-inspection ↔ ``recheck_draw`` (purpose ``recheck``)
- 科长核查 ↔ section-chief verification ↔ ``RecheckOutcome.chief`` (purpose ``chief``)
- 查验通道 ↔ channel ↔ ``Channel`` (放行 release, 单证审核 document review, 机检 machine, 人工查验 manual,
  机检+人工 machine and manual)
- 查验方式 ↔ inspection method ↔ ``InspectionMethod`` (外形 external, 开箱抽查 sample, 彻底查验 full, 机检 scan)
- 倒箱方式 ↔ unloading method ↔ ``UnloadingMethod`` (不倒箱 none, 半掏箱 partial, 全掏箱 full)
- 企业信用等级 ↔ credit grade ↔ ``Grade`` (高级认证 advanced_certified, 认证 certified, 一般信用/常规 general,
  失信 dishonest, 严重失信 seriously_dishonest); 信用管理办法版本 ↔ regime ↔ ``CreditRegime``
- 查验能力 ↔ site inspection capacity ↔ ``SelectionPolicy.capacity``
- 最低随机比例 ↔ minimum random rate per stratum ↔ ``SelectionPolicy.stratum_min_rates``
- 风险规则 / 布控指令 ↔ rule (versioned) ↔ ``domain.rules.Rule`` / table ``risk_rule_versions``
- 命中 ↔ rule hit ↔ ``RuleHit``; 试运行 ↔ dry run ↔ ``dry_run``
- 风险评分 ↔ risk score ↔ ``Candidate.score`` (learned by ``smartcustoms.ml.risk``)
- 服务器种子 / 承诺 ↔ server seed / commitment ↔ ``server_seed`` / ``commit``
- 批次根 (封存) ↔ batch root (frozen population) ↔ ``batch_root`` (Merkle root)
- 外部熵 (骰子) ↔ external entropy (dice digits) ↔ ``DiceEntropy`` / ``BeaconEntropy``
- 随机性记录 ↔ randomness record ↔ ``services.record`` (published for auditors)
"""
