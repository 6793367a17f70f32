"""Classification (商品归类): HS code suggestions from a goods item's name and specification, with calibrated
confidence and explanations, an officer workbench to confirm or correct them, and the corrections as labelled
examples for the next model.

Glossary (中文 ↔ English ↔ identifier):
- 商品归类 ↔ HS classification ↔ `classification`
- 商品编码 / 税则号列 ↔ HS code ↔ `code` (6 digits = subheading 子目, 4 = heading 品目, 2 = chapter 章)
- 商品名称 ↔ goods name ↔ `name`;  规格型号 ↔ specification / model ↔ `spec`;  品牌 ↔ brand ↔ `brand`
- 用途 ↔ use ↔ `use`;  材质 ↔ material ↔ `material`
- 归类建议 ↔ suggestion ↔ `Suggestion` (code, confidence 置信度, explanation 依据)
- 需补充申报要素 ↔ needs more detail ↔ `needs_detail`
- 归类确认 / 归类更正 ↔ confirmation / correction ↔ `Correction` (kind `confirm` / `correct`)
- 归类模型 ↔ classification model ↔ `HSTextClassifier`, stored as a versioned artefact with a model card 模型卡
"""
