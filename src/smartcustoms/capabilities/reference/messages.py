"""Reference-data messages (zh-CN, en)."""

MESSAGES = {
    "reference.unknown_table": {"zh-CN": "没有名为 {table} 的参数表", "en": "There is no reference table {table}"},
    "reference.hs_not_found": {"zh-CN": "商品编码 {code} 不存在", "en": "HS code {code} does not exist"},
    "reference.loaded": {"zh-CN": "参数代码表已加载", "en": "Reference data loaded"},
}
