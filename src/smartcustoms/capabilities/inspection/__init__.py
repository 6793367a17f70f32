"""Inspection (查验) on the officer's phone (移动单兵): tasks created from screening or risk decisions, the
officer's report with findings, photos, videos, samples and an e-signature, the re-inspection and
chief-verification draws at submission, anomaly handling with section-chief approval, feedback to credit, fee
exemptions, imported vehicles and the auditor's timeline.

Glossary (中文 ↔ English ↔ identifier):

- 查验指令 / 布控指令 ↔ inspection order ↔ ``Task`` (kind ``inspection``)
- 查验任务 ↔ inspection task ↔ ``Task``; 状态 ordered 已下达 → assigned 已派单 → claimed 已接单 →
  in_progress 查验中 → reported 已报告 → approved 已审批 / rejected 已驳回 → closed 已结束 (``TaskState``)
- 查验方式 ↔ inspection method (machine 机检 / manual 人工 / both 机检+人工) ↔ ``Method``
- 倒箱方式 ↔ unloading method ↔ ``Task.unloading_method``
- 布控要求 / 处置要求 ↔ control instructions ↔ ``Task.instructions``
- 命中原因 ↔ hit reasons ↔ ``Task.reasons``
- 查验记录 ↔ inspection report ↔ ``Report``; 查验结果 ↔ finding ↔ ``Finding`` (相符 conform / 不符 discrepancy)
- 取样 ↔ sample ↔ ``Sample``; 电子签名 ↔ e-signature ↔ ``Report.signature_sha256``
- 随机复核 / 复查 ↔ re-inspection draw ↔ ``DrawOutcome.recheck``; 科长核查 ↔ chief verification ↔ ``DrawOutcome.chief``
- 查验结果异常处置 ↔ anomaly handling ↔ ``judge`` with ``AnomalyRule``; 处置 ↔ action ↔ ``Disposal``
  (改单 amend_declaration, 补税 supplementary_tax, 移交缉私 anti_smuggling, 退运/销毁 return_destroy, 扣留 hold)
- 网络预约查验 ↔ inspection booking ↔ ``Booking``; 查验区 ↔ inspection area; 码头 ↔ terminal
- 免除查验没有问题外贸企业吊装移位仓储费 ↔ fee exemption ↔ ``inspection_fee_exemptions``
- 整车进口 ↔ imported vehicle ↔ ``Vehicle``; 车辆识别代号 ↔ VIN; 进口机动车辆随车检验单 ↔ import vehicle
  certificate ↔ ``Vehicle.certificate_no``
- 机检图像标记区域 ↔ regions a central image reviewer marked on a scan (``imaging/manual_inspection_requested``) ↔
  ``inspection_scan_marks`` (one row per scan; officers see them on the task page, enterprises never do)
- 一次放行率 ↔ one-time release rate; 平均查验时长 ↔ average inspection duration; 复查率 ↔ re-inspection rate
"""
