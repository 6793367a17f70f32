"""Risk scoring (风险评分) for customs declarations: a synthetic trade set with planted fraud, DATE-style features
with importer / declarant risk profiles from earlier months only, a LightGBM model (illicit yes/no + recovered
revenue), versioned artefacts with a model card, and the evaluation harness (precision / recall / revenue @ n%)."""
