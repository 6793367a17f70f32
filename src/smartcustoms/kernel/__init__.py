"""Shared pure vocabulary of the platform (共享内核). Standard library only.

Glossary:
- 统一社会信用代码 ↔ unified social credit code ↔ `codes.validate_uscc`
- 海关编码 (企业) ↔ customs registration code ↔ `codes.validate_customs_code`
- 集装箱号 ↔ container number (ISO 6346) ↔ `codes.validate_container_number`
- 车辆识别代号 ↔ VIN ↔ `codes.validate_vin`
- 商品编码 ↔ HS / commodity code ↔ `codes.HSCode`
- 报关单号 (海关编号) ↔ declaration number ↔ `codes.validate_declaration_number`
- 业务错误 ↔ domain error with a message key ↔ `errors.DomainError`
"""
