"""Message catalogue of the risk capability (zh-CN primary, en)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "risk.nav": {"zh-CN": "风险布控", "en": "Risk targeting"},
    # batches and the randomness protocol
    "risk.batch.not_found": {"zh-CN": "布控批次不存在", "en": "Screening batch not found"},
    "risk.batch.exists": {"zh-CN": "布控批次 {batch_id} 已存在", "en": "Screening batch {batch_id} already exists"},
    "risk.batch.wrong_state": {"zh-CN": "批次当前状态为 {status}，此操作需要状态 {expected}", "en": "The batch is {status}; this step needs {expected}"},
    "risk.batch.outside_scope": {"zh-CN": "该关区不在您的管辖范围内", "en": "This customs office is outside your scope"},
    "risk.batch.duplicate_declaration": {"zh-CN": "批次中报关单重复", "en": "A declaration appears twice in the batch"},
    "risk.batch.duplicate_officer": {"zh-CN": "值班关员名单中有重复", "en": "An officer appears twice in the roster"},
    "risk.batch.bad_score": {"zh-CN": "风险评分须为 0 至 1 之间、六位小数", "en": "A risk score must be between 0 and 1 with six decimals"},
    "risk.policy.advanced_certified_above_0_2": {"zh-CN": "高级认证企业查验率系数不得高于一般信用企业的 20%", "en": "Advanced certified factor must not exceed 0.2 of the general-credit rate"},
    "risk.policy.certified_above_0_5": {"zh-CN": "一般认证企业查验率系数不得高于一般信用企业的 50%", "en": "Certified factor must not exceed 0.5 of the general-credit rate"},
    "risk.policy.dishonest_floor_below_0_8": {"zh-CN": "失信企业查验率不得低于 80%", "en": "Dishonest enterprises must be inspected at 80 % or more"},
    "risk.policy.capacity_negative": {"zh-CN": "查验能力不能为负数", "en": "Inspection capacity cannot be negative"},
    "risk.entropy.parties": {"zh-CN": "外部随机数须由至少两方各自输入（不可重名）", "en": "Outside entropy needs at least two distinct parties"},
    "risk.entropy.digits": {"zh-CN": "骰子数字只能包含 0–9", "en": "Dice digits may only contain 0–9"},
    "risk.entropy.too_few_digits": {"zh-CN": "骰子数字合计至少 24 位", "en": "At least 24 dice digits in all"},
    "risk.entropy.beacon_short": {"zh-CN": "信标输出至少 32 字节", "en": "A beacon output has at least 32 bytes"},
    "risk.entropy.beacon_hex": {"zh-CN": "信标输出须为十六进制", "en": "A beacon output is hexadecimal"},
    "risk.task.not_found": {"zh-CN": "该批次中没有此查验任务", "en": "No such inspection task in this batch"},
    "risk.task.not_assigned_officer": {"zh-CN": "提交人不是随机派定的查验关员", "en": "The submitter is not the officer drawn for this task"},
    "risk.task.report_exists": {"zh-CN": "该任务的查验记录已提交", "en": "A report on this task was already submitted"},
    "risk.dispatch.no_qualified_officer": {"zh-CN": "现场无具备资质的值班关员", "en": "No qualified officer on duty at the site"},
    "risk.dispatch.workload_cap": {"zh-CN": "合格关员均已达到工作量上限", "en": "Every qualified officer is at the workload cap"},
    "risk.dispatch.conflict": {"zh-CN": "合格关员近期均查验过该企业（回避）", "en": "Every qualified officer inspected this enterprise recently (conflict)"},
    # rules
    "risk.rule.reason_required": {"zh-CN": "规则须有中英文命中理由", "en": "A rule needs a reason text in Chinese and English"},
    "risk.rule.bad_condition": {"zh-CN": "条件格式不正确", "en": "Malformed condition"},
    "risk.rule.bad_operator": {"zh-CN": "不支持的比较运算", "en": "Unsupported comparison operator"},
    "risk.rule.item_only": {"zh-CN": "该条件只能用于商品项（item）内", "en": "This condition is only allowed inside an item condition"},
    "risk.rule.not_found": {"zh-CN": "规则不存在", "en": "Rule not found"},
    "risk.rule.wrong_state": {"zh-CN": "规则版本状态为 {status}，不能执行此操作", "en": "The rule version is {status}; this step is not allowed"},
    # reasons shown with every decision
    "risk.reason.release": {"zh-CN": "未被选中（风险评分 {score}），放行", "en": "Not selected (risk score {score}); release"},
    "risk.reason.rule_hit": {"zh-CN": "命中布控规则：{rules}", "en": "Rule hit: {rules}"},
    "risk.reason.credit_floor": {"zh-CN": "失信企业，按 {rate} 比例查验", "en": "Dishonest enterprise, inspected at rate {rate}"},
    "risk.reason.random": {"zh-CN": "随机布控抽中（比例 {rate}）", "en": "Drawn by random selection (rate {rate})"},
    "risk.reason.model": {"zh-CN": "风险模型评分 {score}，在查验能力内排名靠前", "en": "Risk model score {score}, ranked within site capacity"},
    "risk.reason.credit_multiplier": {"zh-CN": "认证企业（{grade}），查验概率乘以 {factor}", "en": "Certified enterprise ({grade}); selection probability times {factor}"},
    "risk.reason.channel.release": {"zh-CN": "通道：放行", "en": "Channel: release"},
    "risk.reason.channel.document_review": {"zh-CN": "通道：单证审核", "en": "Channel: document review"},
    "risk.reason.channel.machine": {"zh-CN": "通道：机检（集装箱且现场有检查设备）", "en": "Channel: machine inspection (containerised, scanner on site)"},
    "risk.reason.channel.manual": {"zh-CN": "通道：人工查验", "en": "Channel: manual inspection"},
    "risk.reason.channel.machine_and_manual": {"zh-CN": "通道：机检 + 人工查验（高风险）", "en": "Channel: machine and manual inspection (high risk)"},
    "risk.reason.unloading.partial": {"zh-CN": "倒箱方式：半掏箱", "en": "Unloading: partial"},
    "risk.reason.unloading.full": {"zh-CN": "倒箱方式：全掏箱", "en": "Unloading: full"},
    # verification
    "risk.verify.ok": {"zh-CN": "批次 {batch_id}：{draws} 项随机结果全部复现", "en": "Batch {batch_id}: all {draws} random outcomes reproduced"},
    "risk.verify.broken": {"zh-CN": "批次 {batch_id}：发现 {count} 处不一致", "en": "Batch {batch_id}: {count} mismatches"},
}
