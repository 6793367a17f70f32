"""Pure estimators with the scikit-learn contract (机器学习): risk scoring, HS text classification, scan
analysis, evaluation metrics. Imports the kernel, numpy, scipy, scikit-learn and LightGBM only."""
