"""Transit monitoring (在途监管): smart locks, live tracks, route corridors, alarms, arrival verification and
trajectory replay for goods moving under customs transit (转关), e.g. Yiwu market-procurement exports trucked
to Ningbo port.

Glossary 中文 ↔ English ↔ identifier:
- 转关 / 转关单 ↔ transit (declaration) ↔ `Transit`
- 安全智能锁 / 电子关锁 ↔ smart customs lock (e-lock, e-seal) ↔ `lock_id`, `LockState`
- 车载终端 (JT/T 808) ↔ vehicle terminal ↔ `device_id` (terminal phone number)
- 车牌 ↔ truck plate (GA 36-2018) ↔ `plate`, `validate_plate`
- 启运地 / 指运地 ↔ origin site / destination port ↔ `Site`
- 监管路线 / 电子围栏走廊 ↔ planned route corridor ↔ `Corridor`
- 授权开锁区域 ↔ authorised zone (lock may open there) ↔ `Zone`
- 时限 ↔ time limit ↔ `time_limit_s`, `deadline`
- 施封 / 解封 ↔ seal / unseal ↔ `LockState.SEALED`, `LockState.OPENED`
- 在途 / 抵达 / 核销结关 / 扣留 ↔ in transit / arrived / closed / held ↔ `TransitState`
- 报警: 偏离路线, 非法停车, 非法开锁/破坏, 低电量, 信号丢失, 超时, 超速 ↔ alarms: corridor deviation,
  unauthorised stop, lock tamper, low battery, signal lost, time limit exceeded, speeding ↔ `AlarmKind`
- 报警处置: 确认 / 指派 / 关闭 ↔ acknowledge / assign / close ↔ `AlarmStatus`
- 轨迹回放 ↔ trajectory replay ↔ `queries.replay`
- 行程 ↔ trip (the track of one transit) ↔ `transit_trips`
- 监控中心 ↔ monitoring centre ↔ page `/transit`
"""
