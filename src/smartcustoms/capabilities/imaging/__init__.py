"""Machine inspection (机检 / 集中审图): scanner sites and devices, scan ingestion, the central review queue with AI
pre-sorting, reviewer decisions, enterprise product filings and feedback for retraining.

Glossary 中文 ↔ English ↔ identifier:
- 查验场所 / 码头 ↔ scanner site / terminal ↔ ``Site`` (``imaging_sites``)
- H986 机检设备 ↔ scanner device ↔ ``Device`` (``imaging_devices``)
- 扫描图像 (高能/低能) ↔ scan (high / low energy image) ↔ ``scan`` (``imaging_scans``)
- 过机通知 ↔ device scan notice (MQTT) ↔ ``ScanNotice`` (``imaging_notices``)
- 集中审图队列 ↔ central review queue ↔ ``next_scan`` / ``queue``
- 审图员 ↔ image reviewer ↔ ``Role.IMAGE_REVIEWER``
- 智能审图 / 预判 ↔ AI pre-sorting ↔ ``analysis`` / ``risk``
- 放行 / 嫌疑转人工查验 / 挂起 ↔ pass / suspect → manual inspection / hold ↔ ``Decision``
- 嫌疑区域 ↔ marked region ↔ ``Region``
- 企业产品信息备案 ↔ product filing ↔ ``ProductFiling`` (``imaging_filings``)
- 参考图像 ↔ filed reference scan ↔ ``reference``
- 标注 / 反馈 ↔ label / feedback ↔ ``imaging_labels``
- 固体废物 ↔ solid waste ↔ ``waste``
"""
