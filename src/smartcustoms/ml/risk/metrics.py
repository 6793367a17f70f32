"""Inspection metrics at a budget of n % (domain/risk.md §3.7, the Customs-Fraud-Detection definitions):
exactly k = ⌊N · n / 100⌋ items are chosen (ties broken by position, not dropped as in DATE's strict threshold);
precision = illicit among the chosen / #chosen; recall = illicit among the chosen / all illicit;
revenue = revenue of the chosen / all revenue. Upper bounds give the normalised variants."""

from __future__ import annotations

import numpy as np

NS = (1, 2, 5, 10)


def k_for(n_items: int, percent: float) -> int:
    return int(n_items * percent / 100)


def top_k_mask(score: np.ndarray, k: int) -> np.ndarray:
    order = np.lexsort((np.arange(len(score)), -np.asarray(score, dtype=np.float64)))
    mask = np.zeros(len(score), dtype=bool)
    mask[order[:k]] = True
    return mask


def at_mask(chosen: np.ndarray, y: np.ndarray, revenue: np.ndarray) -> dict[str, float]:
    n_chosen = int(chosen.sum())
    total_y, total_rev = float(y.sum()), float(revenue.sum())
    return {"precision": float(y[chosen].sum()) / n_chosen if n_chosen else 0.0,
            "recall": float(y[chosen].sum()) / total_y if total_y else 0.0,
            "revenue": float(revenue[chosen].sum()) / total_rev if total_rev else 0.0,
            "inspected": n_chosen / len(y) if len(y) else 0.0}


def ranking_metrics(score: np.ndarray, y: np.ndarray, revenue: np.ndarray,
                    ns: tuple[int, ...] = NS) -> dict[int, dict[str, float]]:
    return {n: at_mask(top_k_mask(score, k_for(len(y), n)), y, revenue) for n in ns}


def upper_bounds(y: np.ndarray, revenue: np.ndarray, ns: tuple[int, ...] = NS) -> dict[int, dict[str, float]]:
    """What an oracle inspecting k items could reach."""
    out = {}
    for n in ns:
        k = k_for(len(y), n)
        out[n] = {"precision": min(float(y.sum()) / k, 1.0) if k else 0.0,
                  "recall": min(k / float(y.sum()), 1.0) if y.sum() else 0.0,
                  "revenue": float(np.sort(revenue)[::-1][:k].sum() / revenue.sum()) if revenue.sum() else 0.0}
    return out


def auc(score: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score)) if 0 < y.sum() < len(y) else float("nan")
