"""Reference data (参数代码表): the code tables every other capability checks its input against, and the
customs organisation tree.

Glossary (中文 ↔ English ↔ identifier):
- 参数代码表 ↔ reference table ↔ `ref_*` tables, `ReferenceSets`
- 国别(地区)代码 ↔ country (ISO 3166-1 alpha-3) ↔ `ref_countries`
- 币制 ↔ currency (ISO 4217) ↔ `ref_currencies`
- 计量单位 ↔ unit of measurement (3-digit customs code, 035 千克) ↔ `ref_units`
- 监管方式 ↔ trade (supervision) mode (4 digits, 0110 一般贸易) ↔ `ref_trade_modes`
- 运输方式 ↔ transport mode (1 character, 2 水路运输) ↔ `ref_transport_modes`
- 关区代码 ↔ customs office code (4 digits, 3104 北仑海关) ↔ `ref_customs_offices`
- 海关总署 / 直属海关 / 隶属海关 / 现场 ↔ GACC / direct / subordinate customs / site ↔ `org_units` (platform)
- 商品编码 (章/品目/子目) ↔ HS code (chapter/heading/subheading, levels 2/4/6) ↔ `ref_hs`, `HsEntry`
- 类 ↔ HS section (roman numeral) ↔ `ref_hs_sections`
- 加载 ↔ load (idempotent) ↔ `do_load`, `smartcustoms reference load`
"""
