"""HS text classification (商品归类): pure estimators that suggest HS 2022 subheadings for a goods name and
specification in Chinese, English or both.

- `text`: normalising, composing the declared fields, deliberate truncation, script checks
- `data`: the training corpus (nomenclature, HMRC references, our Chinese seed set, synthetic declaration strings,
  officer corrections) and HSCodeComp for testing only
- `model`: `HSTextClassifier` (char n-gram TF-IDF, hierarchical linear models, temperature calibration,
  vague-text detector, explanations)
- `evaluation`: top-k metrics, the plain TF-IDF + linear baseline, a Chinese check set
- `training`: fit on the corpus and describe the result in a model card
"""
